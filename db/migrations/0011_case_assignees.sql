CREATE TABLE "case_assignees" (
	"case_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"assignee_sub" text NOT NULL,
	"assigned_by_sub" text NOT NULL,
	"assigned_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_assignees_case_id_organisation_id_pk" PRIMARY KEY("case_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "organisation_staff" (
	"organisation_id" uuid NOT NULL,
	"sub" text NOT NULL,
	"name" text,
	"roles" text[] NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "organisation_staff_organisation_id_sub_pk" PRIMARY KEY("organisation_id","sub")
);
--> statement-breakpoint
ALTER TABLE "case_assignees" ADD CONSTRAINT "case_assignees_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_assignees" ADD CONSTRAINT "case_assignees_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_assignees" ADD CONSTRAINT "case_assignees_staff_fk" FOREIGN KEY ("organisation_id","assignee_sub") REFERENCES "public"."organisation_staff"("organisation_id","sub") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_staff" ADD CONSTRAINT "organisation_staff_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_assignees_assignee_idx" ON "case_assignees" USING btree ("organisation_id","assignee_sub");--> statement-breakpoint
-- The service's role reads and writes both (also covered by the default privileges of 0003, when the owner that ran it runs this).
GRANT SELECT, INSERT, UPDATE, DELETE ON "organisation_staff", "case_assignees" TO "cadap_app";
