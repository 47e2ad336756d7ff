ALTER TABLE "consents" ADD COLUMN "proposed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_by_sub" text;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_by_organisation_id" uuid;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "voided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "voided_by_sub" text;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "voided_by_organisation_id" uuid;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "void_reason" text;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_confirmed_by_organisation_id_organisations_id_fk" FOREIGN KEY ("confirmed_by_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_voided_by_organisation_id_organisations_id_fk" FOREIGN KEY ("voided_by_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_confirmed_by_another" CHECK ("consents"."confirmed_by_organisation_id" is null or "consents"."confirmed_by_organisation_id" <> "consents"."organisation_id");--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_void_has_reason" CHECK ("consents"."voided_at" is null or "consents"."void_reason" is not null);--> statement-breakpoint
-- Consents recorded before attestation existed stay recorded and valid (proposed = false).
-- From now on the organisation a consent names may only propose it: a new row naming the
-- organisation that records it must be a proposal, and no update may turn a proposal into a
-- recorded consent (confirmation sets confirmed_* instead). Enforced here as well as in the
-- service, so no code path can attest its own consent.
CREATE OR REPLACE FUNCTION "consents_named_organisation_proposes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT NEW.proposed AND NEW.recorded_by_organisation_id = NEW.organisation_id THEN
    RAISE EXCEPTION 'a consent naming the organisation that records it is a proposal' USING ERRCODE = '23514';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.proposed AND NOT NEW.proposed THEN
    RAISE EXCEPTION 'a proposed consent is confirmed, not turned into a recorded one' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "consents_named_organisation_proposes" BEFORE INSERT OR UPDATE OF "proposed", "recorded_by_organisation_id", "organisation_id" ON "consents" FOR EACH ROW EXECUTE FUNCTION "consents_named_organisation_proposes"();
