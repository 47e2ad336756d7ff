-- An e-mail's HTML part is laid out from its text when it is sent (notifications/templates.ts,
-- htmlOf), so the outbox no longer keeps it: each message's words are stored once, as its subject
-- and text. A row still pending from before gets the same words in the new layout.
ALTER TABLE "outbox" DROP COLUMN "html";
