-- The name search at a million people (POST /participants/search). A family and a given name match a
-- few dozen people across a country, of whom the caller may see one or two: the name index decoded
-- both words' posting lists (a given name is shared by tens of thousands), then checked the caller's
-- scope for everyone found. This table keys the name by organisation: one row per person and per
-- organisation that owns them or is or was a party to one of their cases, with the person's folded
-- name (participants.sort_name), and a GIN index on that name's keys (name_keys: every prefix of
-- every word) each behind the last 12 hex digits of the organisation's id (random in version 4 and
-- 7 ids). "Ivanov" owned by prison A, with probation B a party, has a row for A (keys "<A>ivanov",
-- "<A>iva", ...) and one for B. A caller without the coordinator role sees only people its
-- organisation owns or is a party for, so its search looks up "<A>ivanov" and "<A>iv" together:
-- lists as long as its own people. It only narrows what the scope condition then checks in full
-- (src/access/scope.ts: the part, the case open or closed less than 90 days ago), so it is never the
-- reason anyone is shown: rows are only added, and a party replaced on a case keeps its row. Two
-- organisations sharing those 12 digits would only bring the full check to a few more people. The
-- keys live only in the index (an expression of the row's organisation and name), so a row is the
-- two ids and the name, a tenth of what the keys themselves would take.
--
-- The triggers below keep it; the service never writes it. Nothing in them waits for another
-- transaction in the middle of a case's work: there is no unique key (two transactions adding the
-- same party at once both write a row; the search reads ids, so a duplicate changes nothing), and
-- the person's row in participants is never updated. A changed name (a correction, an erasure)
-- rewrites the person's rows; a row added by a transaction that a changed name overlaps is made
-- right at that transaction's commit (the deferred trigger at the end): the one point at which a
-- case's transaction may wait here, and only for a transaction changing the same person's name, on
-- the one row both lock (the owner's).
CREATE TABLE "participant_name_scopes" (
	"participant_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"sort_name" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participant_name_scopes" ADD CONSTRAINT "participant_name_scopes_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- A folded name's keys, as cadap_name_keys (migration 0010) makes them from the identity: every
-- prefix of every word.
CREATE OR REPLACE FUNCTION "public"."cadap_name_prefixes"(folded text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT left(word, n)), '{}'::text[]) FROM unnest(string_to_array($1, ' ')) AS word, generate_series(1, length(word)) AS n
$$;
--> statement-breakpoint
-- Words behind an organisation: the index's keys, and what src/participants/search.ts looks up.
CREATE OR REPLACE FUNCTION "public"."cadap_scoped_words"(organisation uuid, words text[]) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(right($1::text, 12) || word), '{}'::text[]) FROM unnest($2) AS word
$$;
--> statement-breakpoint
-- The people and parties already there, then the indexes (built once, not entry by entry).
INSERT INTO "participant_name_scopes" ("participant_id", "organisation_id", "sort_name")
SELECT "pairs"."participant_id", "pairs"."organisation_id", coalesce("p"."sort_name", '')
FROM (
  SELECT "id" AS "participant_id", "owner_organisation_id" AS "organisation_id" FROM "participants"
  UNION
  SELECT "c"."participant_id", "cp"."organisation_id" FROM "case_parties" AS "cp" JOIN "cases" AS "c" ON "c"."id" = "cp"."case_id"
) AS "pairs"
JOIN "participants" AS "p" ON "p"."id" = "pairs"."participant_id";--> statement-breakpoint
CREATE INDEX "participant_name_scopes_participant_idx" ON "participant_name_scopes" USING btree ("participant_id","organisation_id");--> statement-breakpoint
CREATE INDEX "participant_name_scopes_keys_idx" ON "participant_name_scopes" USING gin ("public"."cadap_scoped_words"("organisation_id", "public"."cadap_name_prefixes"("sort_name"))) WITH (fastupdate=off);--> statement-breakpoint
-- Read only through the index, for a handful of rows a search. Without this a search's generic
-- plan (it guesses 0.5% of the table for a name it has not seen) at a million people is costed as a
-- parallel scan, and starting two workers took 7 ms of a search whose lookup takes 0.1 ms.
ALTER TABLE "participant_name_scopes" SET (parallel_workers = 0);--> statement-breakpoint
-- A person registered: a row for the owner (one statement's people at once).
CREATE OR REPLACE FUNCTION "public"."cadap_name_scopes_of_new_people"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "public"."participant_name_scopes" ("participant_id", "organisation_id", "sort_name")
  SELECT "id", "owner_organisation_id", coalesce("sort_name", '') FROM "new_people";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "participants_name_scopes_inserted" AFTER INSERT ON "participants" REFERENCING NEW TABLE AS "new_people"
FOR EACH STATEMENT EXECUTE FUNCTION "public"."cadap_name_scopes_of_new_people"();--> statement-breakpoint
-- A party added to a case, or a part given to another organisation (INSERT ... ON CONFLICT DO
-- UPDATE, as the engine writes it): a row for each organisation new to the case's person.
CREATE OR REPLACE FUNCTION "public"."cadap_name_scopes_of_new_parties"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "public"."participant_name_scopes" ("participant_id", "organisation_id", "sort_name")
  SELECT "n"."participant_id", "n"."organisation_id", coalesce("p"."sort_name", '')
  FROM (
    SELECT DISTINCT "c"."participant_id", "np"."organisation_id"
    FROM "new_parties" AS "np" JOIN "public"."cases" AS "c" ON "c"."id" = "np"."case_id"
  ) AS "n"
  JOIN "public"."participants" AS "p" ON "p"."id" = "n"."participant_id"
  WHERE NOT EXISTS (
    SELECT 1 FROM "public"."participant_name_scopes" AS "s" WHERE "s"."participant_id" = "n"."participant_id" AND "s"."organisation_id" = "n"."organisation_id"
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "case_parties_name_scopes_inserted" AFTER INSERT ON "case_parties" REFERENCING NEW TABLE AS "new_parties"
FOR EACH STATEMENT EXECUTE FUNCTION "public"."cadap_name_scopes_of_new_parties"();--> statement-breakpoint
CREATE TRIGGER "case_parties_name_scopes_updated" AFTER UPDATE ON "case_parties" REFERENCING NEW TABLE AS "new_parties"
FOR EACH STATEMENT EXECUTE FUNCTION "public"."cadap_name_scopes_of_new_parties"();--> statement-breakpoint
-- A person's name changed (a correction of identity, an erasure) or their owner did: every row of
-- theirs gets the new name. First the owner's row is locked: it is the person's one lock here (a
-- transaction settling a row it added, below, takes the same row for share, so the two take turns on
-- one row and never wait for each other in a cycle). The update is a statement of its own, so it
-- also sees a row that such a transaction committed while this one waited.
CREATE OR REPLACE FUNCTION "public"."cadap_name_scopes_of_changed_person"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "public"."participant_name_scopes" WHERE "participant_id" = NEW."id" AND "organisation_id" = OLD."owner_organisation_id" FOR UPDATE;
  UPDATE "public"."participant_name_scopes" SET "sort_name" = coalesce(NEW."sort_name", '')
  WHERE "participant_id" = NEW."id" AND "sort_name" IS DISTINCT FROM coalesce(NEW."sort_name", '');
  INSERT INTO "public"."participant_name_scopes" ("participant_id", "organisation_id", "sort_name")
  SELECT NEW."id", NEW."owner_organisation_id", coalesce(NEW."sort_name", '')
  WHERE NOT EXISTS (SELECT 1 FROM "public"."participant_name_scopes" WHERE "participant_id" = NEW."id" AND "organisation_id" = NEW."owner_organisation_id");
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "participants_name_scopes_changed" AFTER UPDATE ON "participants" FOR EACH ROW
WHEN (OLD."sort_name" IS DISTINCT FROM NEW."sort_name" OR OLD."owner_organisation_id" IS DISTINCT FROM NEW."owner_organisation_id")
EXECUTE FUNCTION "public"."cadap_name_scopes_of_changed_person"();--> statement-breakpoint
-- A row added while another transaction changed the person's name took the keys of the name its
-- statement saw. At commit (the transaction's last work, after every lock it takes in its course),
-- the owner's row is locked for share: this waits for a renaming transaction that holds it, and a
-- later one waits for this. Then, in a statement of its own that sees what committed meanwhile, the
-- row gets the name as it is now. (A committed row is never left stale: a renaming
-- transaction rewrites every row committed before its update, and any row committed after its lock
-- was settled after it.) Nothing to do, the common case, is two index lookups.
CREATE OR REPLACE FUNCTION "public"."cadap_name_scopes_settle"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "public"."participant_name_scopes" AS "s" JOIN "public"."participants" AS "p" ON "p"."id" = "s"."participant_id"
  WHERE "s"."participant_id" = NEW."participant_id" AND "s"."organisation_id" = "p"."owner_organisation_id" FOR SHARE OF "s";
  UPDATE "public"."participant_name_scopes" AS "s" SET "sort_name" = coalesce("p"."sort_name", '')
  FROM "public"."participants" AS "p"
  WHERE "p"."id" = NEW."participant_id" AND "s"."participant_id" = NEW."participant_id" AND "s"."organisation_id" = NEW."organisation_id"
    AND "s"."sort_name" IS DISTINCT FROM coalesce("p"."sort_name", '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "participant_name_scopes_settled" AFTER INSERT ON "participant_name_scopes" DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION "public"."cadap_name_scopes_settle"();
