-- PostgreSQL keeps its values in its own types from here on: times as timestamptz (they were
-- Unix seconds), flags as boolean (0/1), JSON documents as jsonb, dates as date. Rows written
-- before are converted in place. Staff roles move to a table of their own, and the references
-- the first schema left implicit become foreign keys.

ALTER TABLE persons ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at);
ALTER TABLE enterprises ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at);
ALTER TABLE enterprise_agents ALTER COLUMN granted_at TYPE timestamptz USING to_timestamp(granted_at);
ALTER TABLE sessions
    ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at),
    ALTER COLUMN last_seen_at TYPE timestamptz USING to_timestamp(last_seen_at);
ALTER TABLE login_failures ALTER COLUMN at TYPE timestamptz USING to_timestamp(at);
ALTER TABLE audit_events ALTER COLUMN at TYPE timestamptz USING to_timestamp(at);
ALTER TABLE e_license_access ALTER COLUMN at TYPE timestamptz USING to_timestamp(at);
ALTER TABLE uploads ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at);
ALTER TABLE drafts ALTER COLUMN updated_at TYPE timestamptz USING to_timestamp(updated_at);
ALTER TABLE applications ALTER COLUMN submitted_at TYPE timestamptz USING to_timestamp(submitted_at);
ALTER TABLE cases ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at);
ALTER TABLE case_events ALTER COLUMN at TYPE timestamptz USING to_timestamp(at);
ALTER TABLE idempotency_keys ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at);
ALTER TABLE staff_enrolment_tokens ALTER COLUMN expires_at TYPE timestamptz USING to_timestamp(expires_at);
ALTER TABLE data_migrations ALTER COLUMN done_at TYPE timestamptz USING to_timestamp(done_at);

ALTER TABLE staff DROP CONSTRAINT staff_totp_confirmed_check;
ALTER TABLE staff ALTER COLUMN totp_confirmed DROP DEFAULT;
ALTER TABLE staff ALTER COLUMN totp_confirmed TYPE boolean USING totp_confirmed <> 0;
ALTER TABLE staff ALTER COLUMN totp_confirmed SET DEFAULT false;
ALTER TABLE sessions DROP CONSTRAINT sessions_second_factor_check;
ALTER TABLE sessions ALTER COLUMN second_factor DROP DEFAULT;
ALTER TABLE sessions ALTER COLUMN second_factor TYPE boolean USING second_factor <> 0;
ALTER TABLE sessions ALTER COLUMN second_factor SET DEFAULT false;
ALTER TABLE e_licenses ALTER COLUMN revoked DROP DEFAULT;
ALTER TABLE e_licenses ALTER COLUMN revoked TYPE boolean USING revoked <> 0;
ALTER TABLE e_licenses ALTER COLUMN revoked SET DEFAULT false;
ALTER TABLE cases ALTER COLUMN pledged TYPE boolean USING pledged <> 0;

ALTER TABLE service_items ALTER COLUMN guide TYPE jsonb USING guide::jsonb;
ALTER TABLE e_licenses ALTER COLUMN data TYPE jsonb USING data::jsonb;
ALTER TABLE drafts ALTER COLUMN items TYPE jsonb USING items::jsonb;
ALTER TABLE applications
    ALTER COLUMN form TYPE jsonb USING form::jsonb,
    ALTER COLUMN receipt TYPE jsonb USING receipt::jsonb;
ALTER TABLE bundles ALTER COLUMN items TYPE jsonb USING items::jsonb;

ALTER TABLE e_licenses
    ALTER COLUMN valid_from TYPE date USING valid_from::date,
    ALTER COLUMN valid_until TYPE date USING valid_until::date;
ALTER TABLE upload_days ALTER COLUMN day TYPE date USING day::date;

CREATE TABLE staff_roles (
    person_id TEXT NOT NULL REFERENCES staff (person_id),
    role      TEXT NOT NULL,
    PRIMARY KEY (person_id, role)
);
INSERT INTO staff_roles (person_id, role)
SELECT DISTINCT person_id, trim(role) FROM staff, regexp_split_to_table(roles, ',') AS role WHERE trim(role) <> '';
ALTER TABLE staff DROP COLUMN roles;

ALTER TABLE audit_events ADD FOREIGN KEY (actor_id) REFERENCES persons (id);
ALTER TABLE case_events ADD FOREIGN KEY (actor_id) REFERENCES persons (id);
ALTER TABLE e_license_access
    ADD FOREIGN KEY (acting_uscc) REFERENCES enterprises (uscc),
    ADD FOREIGN KEY (on_behalf_of) REFERENCES persons (id),
    ADD FOREIGN KEY (application_no) REFERENCES applications (application_no);
ALTER TABLE drafts ADD FOREIGN KEY (acting_uscc) REFERENCES enterprises (uscc);
ALTER TABLE cases ADD FOREIGN KEY (item_code, item_version) REFERENCES service_items (code, version);
ALTER TABLE idempotency_keys ADD FOREIGN KEY (scope) REFERENCES persons (id);
