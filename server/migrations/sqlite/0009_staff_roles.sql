-- A staff member's roles, one row each, instead of a comma-separated list in staff.roles. The
-- store decodes every name as a shared::account::Role and fails on one it does not know.
CREATE TABLE staff_roles (
    person_id TEXT NOT NULL REFERENCES staff (person_id),
    role      TEXT NOT NULL,
    PRIMARY KEY (person_id, role)
);

INSERT INTO staff_roles (person_id, role)
SELECT s.person_id, r.role
  FROM staff s
  JOIN (SELECT 'window_clerk' AS role UNION ALL SELECT 'undertaker' UNION ALL SELECT 'reviewer'
        UNION ALL SELECT 'approver' UNION ALL SELECT 'supervisor' UNION ALL SELECT 'catalogue_admin'
        UNION ALL SELECT 'security_admin') r
    ON ',' || s.roles || ',' LIKE '%,' || r.role || ',%';

ALTER TABLE staff DROP COLUMN roles;
