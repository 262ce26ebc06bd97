-- Keep the raw bytes of the last document that could not be parsed (P02), so a person can
-- see what the site actually sent (`vigia sources --raw NAME`).
ALTER TABLE sources ADD COLUMN last_failed_body BYTEA;
ALTER TABLE sources ADD COLUMN last_failed_content_type TEXT;
