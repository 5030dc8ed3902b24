-- Guided intake (issue 4): the draft's sections as typed by the user, as one JSON document
-- (NULL for applications filed with the one-shot form of the walking skeleton), and the
-- blob key of the receipt PDF rendered at submission (R-APP-6).
-- Keep in step with ../sqlite/0003_application_content.sql. JSON is TEXT on both backends.
ALTER TABLE applications ADD COLUMN content TEXT;
ALTER TABLE applications ADD COLUMN receipt_blob TEXT;
