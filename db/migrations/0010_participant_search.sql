-- The name search (POST /participants/search). A name is folded to one Latin spelling for
-- searching only (never shown): upper case to lower (also Cyrillic and accented Latin, whatever
-- the database's locale), Cyrillic transliterated as in passports (ICAO 9303: ж zh, х kh, ц ts,
-- ч ch, ш sh, щ shch, ю iu, я ia), Kazakh, Kyrgyz, Tajik and Uzbek letters and Latin accents to
-- their base letter, and the spellings that differ between the region's Latin alphabets written
-- alike (q k, y i, j zh, x kh, w v, ş sh, ç ch, ž zh; then dzh zh, kh h): "Жанар", "Janar" and
-- "ZHANAR" are all "zhanar"; "Хуршид" and "Xurshid" are "hurshid". name_keys holds every prefix
-- of every word of the folded name, so "each word typed begins a word of the name" is
-- `name_keys @> words`, served by a GIN index. pg_trgm would match inside words too, but it is
-- an extension that PGlite must load at every open and that some PostgreSQL hosts lack.
-- Inner calls are schema-qualified: a restore (pg_dump) runs with an empty search_path.
CREATE OR REPLACE FUNCTION "public"."cadap_fold_name"(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(replace(replace(translate(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(translate($1, 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІЇЄҐЎӢӮҲҶÁÀÂÄÃÅĀĂĄÇĆČĎĐÉÈÊËĒĖĘĚĞĢÍÌÎÏĪĮĶĹĻĽŁÑŃŅŇŌÓÒÔÖÕØŐŔŘŚŠŞȘŤŢȚÚÙÛÜŪŮŰŲÝŸŹŽŻƏİ', 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіїєґўӣӯҳҷáàâäãåāăąçćčďđéèêëēėęěğģíìîïīįķĺļľłñńņňōóòôöõøőŕřśšşșťţțúùûüūůűųýÿźžżəi')), 'щ', 'shch'), 'ж', 'zh'), 'х', 'kh'), 'ц', 'ts'), 'ч', 'ch'), 'ш', 'sh'), 'ю', 'iu'), 'я', 'ia'), 'ъ', 'ie'), 'ҷ', 'zh'), 'ş', 'sh'), 'ș', 'sh'), 'š', 'sh'), 'ç', 'ch'), 'č', 'ch'), 'ž', 'zh'), 'ß', 'ss'), 'x', 'kh'), 'j', 'zh'), 'абвгдеёзийклмнопрстуфыэәғқңөұүһіїєґўӣӯҳáàâäãåāăąćďđéèêëēėęěğģíìîïīįıķĺļľłñńņňōóòôöõøőŕřśťţțúùûüūůűųýÿźżəyqwь''’ʻʼ`̧́̀̆̈̌', 'abvgdeeziiklmnoprstufieagknouuhiiegoiuhaaaaaaaaacddeeeeeeeeggiiiiiiikllllnnnnoooooooorrstttuuuuuuuuiizzaikv'), 'dzh', 'zh'), 'kh', 'h'), '[[:space:],.;:()"/_-]+', ' ', 'g'))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."cadap_name_words"(value text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_to_array("public"."cadap_fold_name"($1), ' ')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."cadap_name_keys"(identity jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT left(word, n)), '{}'::text[])
  FROM unnest("public"."cadap_name_words"(coalesce($1 ->> 'lastName', '') || ' ' || coalesce($1 ->> 'firstName', '') || ' ' || coalesce($1 ->> 'patronymic', ''))) AS word, generate_series(1, length(word)) AS n
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."cadap_sort_name"(identity jsonb) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT "public"."cadap_fold_name"(coalesce($1 ->> 'lastName', '') || ' ' || coalesce($1 ->> 'firstName', '') || ' ' || coalesce($1 ->> 'patronymic', ''))
$$;
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "name_keys" text[] GENERATED ALWAYS AS ("public"."cadap_name_keys"("identity")) STORED;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "sort_name" text GENERATED ALWAYS AS ("public"."cadap_sort_name"("identity")) STORED;--> statement-breakpoint
CREATE INDEX "participants_name_keys_idx" ON "participants" USING gin ("name_keys");--> statement-breakpoint
CREATE INDEX "participants_date_of_birth_idx" ON "participants" USING btree (("identity" ->> 'dateOfBirth'));--> statement-breakpoint
CREATE INDEX "participants_region_idx" ON "participants" USING btree ("region");