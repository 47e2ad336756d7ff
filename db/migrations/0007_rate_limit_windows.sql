CREATE TABLE "rate_limit_windows" (
	"bucket" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_limit_windows_bucket_window_start_pk" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
CREATE INDEX "rate_limit_windows_end_idx" ON "rate_limit_windows" USING btree ("window_end");--> statement-breakpoint
-- Default privileges (0003) cover tables made by the migrating role; grant explicitly all the same,
-- so the restricted application role can count requests whoever ran this migration.
GRANT SELECT, INSERT, UPDATE, DELETE ON "rate_limit_windows" TO "cadap_app";
