CREATE TABLE "audit_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_sub" text NOT NULL,
	"organisation_id" uuid,
	"roles" jsonb NOT NULL,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text,
	"participant_id" uuid,
	"data_classes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"purpose" text,
	"basis" text,
	"request_id" text,
	"outcome" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"region" text NOT NULL,
	"time_zone" text NOT NULL,
	"locale" text NOT NULL,
	"notification_emails" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"certification_valid_until" date,
	"beds" integer,
	"default_max_stay_days" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "organisations_beds_check" CHECK ("organisations"."beds" is null or "organisations"."beds" >= 0)
);
--> statement-breakpoint
CREATE TABLE "participant_notes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"participant_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"author_sub" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference_code" text NOT NULL,
	"owner_organisation_id" uuid NOT NULL,
	"region" text NOT NULL,
	"national_id_digest" text,
	"identity" jsonb NOT NULL,
	"contact" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"custody" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"legal" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"compliance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"health" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"social" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prison_units" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"places" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "prison_units_places_check" CHECK ("prison_units"."places" >= 0)
);
--> statement-breakpoint
CREATE TABLE "service_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participant_notes" ADD CONSTRAINT "participant_notes_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participant_notes" ADD CONSTRAINT "participant_notes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_owner_organisation_id_organisations_id_fk" FOREIGN KEY ("owner_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prison_units" ADD CONSTRAINT "prison_units_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_participant_idx" ON "audit_events" USING btree ("participant_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_organisation_idx" ON "audit_events" USING btree ("organisation_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "organisations_name_key" ON "organisations" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "organisations_region_kind_idx" ON "organisations" USING btree ("region","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "organisations_region_coordinator_key" ON "organisations" USING btree ("region") WHERE "organisations"."kind" = 'coordinator';--> statement-breakpoint
CREATE INDEX "participant_notes_participant_idx" ON "participant_notes" USING btree ("participant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "participants_reference_code_key" ON "participants" USING btree ("reference_code");--> statement-breakpoint
CREATE INDEX "participants_owner_idx" ON "participants" USING btree ("owner_organisation_id");--> statement-breakpoint
CREATE INDEX "participants_national_id_digest_idx" ON "participants" USING btree ("national_id_digest");--> statement-breakpoint
CREATE INDEX "prison_units_organisation_idx" ON "prison_units" USING btree ("organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "prison_units_name_key" ON "prison_units" USING btree ("organisation_id",lower("name"));