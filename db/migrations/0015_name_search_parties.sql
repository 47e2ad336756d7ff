-- The name search at a million people. A family and a given name match a few dozen people across a
-- country, of whom the caller may see one or two; the name index scan alone decoded the posting
-- lists of both words (a given name is shared by tens of thousands), and each of the others cost
-- PostgreSQL a check of the caller's scope (the person's cases, then each case's parties).
-- `party_organisations` holds every organisation that is or was a party to one of the person's
-- cases, kept by the trigger below, and a second GIN index holds the name's keys once per
-- organisation that owns the person or is listed as a party, so one small posting list per word
-- finds the people whose name matches and whom the caller's organisation has had to do with. It
-- only narrows what the scope condition then checks in full (src/access/scope.ts: the part, the
-- case open or closed less than 90 days ago), so it is never the reason anyone is shown; a party
-- removed from a case stays listed, which only means the full check runs for them.
ALTER TABLE "participants" ADD COLUMN "party_organisations" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
UPDATE "participants" SET "party_organisations" = "parties"."organisations"
FROM (
  SELECT "cases"."participant_id", array_agg(DISTINCT "case_parties"."organisation_id" ORDER BY "case_parties"."organisation_id") AS "organisations"
  FROM "case_parties" JOIN "cases" ON "cases"."id" = "case_parties"."case_id"
  GROUP BY "cases"."participant_id"
) AS "parties"
WHERE "parties"."participant_id" = "participants"."id";--> statement-breakpoint
-- The parties a statement adds to cases (or moves to another organisation) are listed on the cases'
-- people in the same transaction, with one update per person and statement (a case opened with
-- three parties rewrites its person's row and index entries once, not three times), and only for
-- people to whom one of them is new.
CREATE OR REPLACE FUNCTION "public"."cadap_list_party_organisations"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "public"."participants" AS "p"
  SET "party_organisations" = ARRAY(SELECT DISTINCT "o" FROM unnest("p"."party_organisations" || "n"."organisations") AS "o" ORDER BY "o")
  FROM (
    SELECT "c"."participant_id", array_agg(DISTINCT "np"."organisation_id") AS "organisations"
    FROM "new_parties" AS "np" JOIN "public"."cases" AS "c" ON "c"."id" = "np"."case_id"
    GROUP BY "c"."participant_id"
  ) AS "n"
  WHERE "p"."id" = "n"."participant_id" AND NOT ("p"."party_organisations" @> "n"."organisations");
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "case_parties_list_inserted" AFTER INSERT ON "case_parties" REFERENCING NEW TABLE AS "new_parties"
FOR EACH STATEMENT EXECUTE FUNCTION "public"."cadap_list_party_organisations"();--> statement-breakpoint
CREATE TRIGGER "case_parties_list_updated" AFTER UPDATE ON "case_parties" REFERENCING NEW TABLE AS "new_parties"
FOR EACH STATEMENT EXECUTE FUNCTION "public"."cadap_list_party_organisations"();--> statement-breakpoint
-- The keys: each organisation (the last 12 hex digits of its id, random in version 4 and 7 ids)
-- followed by each of the name's keys. "Ivanov" owned by prison A and with probation B a party
-- has "<A>ivanov", "<B>ivanov", "<A>iva", ... A search by prison A for "ivanov iv" looks for
-- "<A>ivanov" and "<A>iv" together: a posting list per organisation and word, a few dozen people
-- long where the word's own list holds thousands. Two organisations sharing those 12 digits would
-- only bring the full scope check to a few more people. The index is built once the column is filled.
CREATE OR REPLACE FUNCTION "public"."cadap_scoped_name_keys"(organisations uuid[], keys text[]) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT right(organisation::text, 12) || key), '{}'::text[]) FROM unnest($1) AS organisation, unnest($2) AS key
$$;
--> statement-breakpoint
CREATE INDEX "participants_scoped_name_keys_idx" ON "participants" USING gin ("public"."cadap_scoped_name_keys"("party_organisations" || "owner_organisation_id", "name_keys")) WITH (fastupdate = off);
