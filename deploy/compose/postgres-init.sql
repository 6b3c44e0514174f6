-- Run by the postgres image at its first start only (an empty data volume):
-- the staff console's own database beside the conversations' (POSTGRES_DB).
CREATE DATABASE igrt_console;
