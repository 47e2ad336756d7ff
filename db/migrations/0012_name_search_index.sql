-- The name search's index without a pending list. With GIN's default fastupdate, new entries go
-- to an unsorted pending list that every search reads whole until a VACUUM (or 4 MB of them)
-- merges it into the index: after a bulk registration that is up to 4 MB read on each search
-- (3 ms of a search that otherwise takes 0.1 ms on a million people), and embedded PGlite runs
-- no autovacuum at all. People are registered one at a time and searched for often, so each
-- insert now updates the index itself. The entries already pending are merged here.
ALTER INDEX "participants_name_keys_idx" SET (fastupdate = off);--> statement-breakpoint
SELECT gin_clean_pending_list('"public"."participants_name_keys_idx"'::regclass);
