CREATE TABLE "audit_chains" (
	"chain" text PRIMARY KEY NOT NULL,
	"position" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"chain" text NOT NULL,
	"position" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "break_glass_grants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"participant_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"actor_sub" text NOT NULL,
	"reason" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deadlines" ALTER COLUMN "case_id" DROP NOT NULL;--> statement-breakpoint
-- Rows written before the hash chain existed go to the chain "legacy", which verification reports as unchained.
ALTER TABLE "audit_events" ADD COLUMN "chain" text NOT NULL DEFAULT 'legacy';--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "position" bigint;--> statement-breakpoint
UPDATE "audit_events" SET "position" = "seq";--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "position" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "chain" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "prev_hash" text NOT NULL DEFAULT '';--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "prev_hash" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash" text NOT NULL DEFAULT '';--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "hash" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "deadlines" ADD COLUMN "participant_id" uuid;--> statement-breakpoint
UPDATE "deadlines" SET "participant_id" = "cases"."participant_id" FROM "cases" WHERE "cases"."id" = "deadlines"."case_id";--> statement-breakpoint
ALTER TABLE "deadlines" ALTER COLUMN "participant_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD CONSTRAINT "break_glass_grants_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD CONSTRAINT "break_glass_grants_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD CONSTRAINT "break_glass_grants_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_checkpoints_chain_idx" ON "audit_checkpoints" USING btree ("chain","position");--> statement-breakpoint
CREATE INDEX "break_glass_grants_participant_idx" ON "break_glass_grants" USING btree ("participant_id","organisation_id","expires_at");--> statement-breakpoint
ALTER TABLE "deadlines" ADD CONSTRAINT "deadlines_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_chain_position_key" ON "audit_events" USING btree ("chain","position");