-- 010_catalog.sql - the catalogue: administrative units with their history (đơn vị, with
-- validity intervals and successor links), fields (lĩnh vực), procedures (thủ tục hành chính)
-- and their versions (duration, cases, liên thông legs, internal steps, documents, fees).
--
-- Owner: catalogue engineer (server/api/catalog.c). Rules: /work/shared/domain.md §1, §2, §9;
-- evidence: domain-sources.md §1.4 (2025 two-level reform), §7.2 (procedure codes), §7.3 (unit
-- identifiers). Nothing here is ever deleted: a unit is dissolved by closing its validity
-- interval and naming its successors, a procedure changes by a new version, so that a dossier
-- keeps the unit and the version it was received under (domain.md §1, first bullet).

-- Vietnamese folding for the q= filters of the catalogue (lower case, diacritics removed,
-- đ -> d), stored in generated columns. 011_dossier.sql has the same mapping as vn_fold();
-- this migration runs first, so it carries its own copy.
CREATE FUNCTION catalog_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    -- Upper-case letters are listed too: lower() leaves them alone under the C locale.
    SELECT lower(translate(normalize(t, NFC),
        'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ'
        'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ',
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'))
$$;

-- Units: ministries, provincial committees and departments (sở), counters (Trung tâm Phục vụ
-- hành chính công, Bộ phận Tiếp nhận và Trả kết quả), district and commune committees.
-- `district` exists for history only: the huyện level was abolished on 01/07/2025
-- (Luật 72/2025/QH15), so a district unit must be closed by 30/06/2025 and no dossier
-- received from 01/07/2025 can be assigned to one (domain.md §1).
CREATE TABLE unit (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,  -- mã định danh điện tử, e.g. 000.00.12.H56 (domain.md §9)
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    level       text NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune')),
    kind        text NOT NULL
                CHECK (kind IN ('ministry', 'center', 'counter', 'department', 'committee')),
    parent_id   bigint REFERENCES unit(id),
    province    text NOT NULL,         -- level-1 group of the identifier: 'H56', 'G01'
    valid_from  date NOT NULL,
    valid_to    date,                  -- last day in force (inclusive); NULL = still in force
    address     text,
    admin_code  text,                  -- mã ĐVHC (QĐ 19/2025/QĐ-TTg from 01/07/2025), if any
    created_at  timestamptz NOT NULL DEFAULT now(),
    name_fold   text GENERATED ALWAYS AS (catalog_fold(name || ' ' || code)) STORED,
    -- QĐ 20/2020/QĐ-TTg: dot-separated groups, at most 13 characters; the last group is
    -- H + 2 digits (province) or G + 2 digits (ministry). 3 or 4 groups (domain.md §9).
    CONSTRAINT unit_code_format CHECK (length(code) <= 13
        AND code ~ '^[0-9A-Z]{2,3}(\.[0-9A-Z]{2,3}){1,2}\.[GH][0-9]{2}$'),
    CONSTRAINT unit_province_matches_code CHECK (province = right(code, 3)),
    CONSTRAINT unit_interval CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CONSTRAINT unit_district_history_only CHECK (level <> 'district'
        OR (valid_to IS NOT NULL AND valid_to <= DATE '2025-06-30')),
    CONSTRAINT unit_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX unit_parent ON unit (parent_id);
CREATE INDEX unit_province_level ON unit (province, level, code);
CREATE INDEX unit_fold ON unit (name_fold text_pattern_ops);

-- Successor links: many-to-one on a merger, one-to-many on a split (domain.md §1). Reports
-- "by current structure" follow them from a dissolved unit to the units in force.
CREATE TABLE unit_successor (
    unit_id      bigint NOT NULL REFERENCES unit(id),
    successor_id bigint NOT NULL REFERENCES unit(id),
    since        date NOT NULL,
    PRIMARY KEY (unit_id, successor_id),
    CHECK (unit_id <> successor_id)
);
CREATE INDEX unit_successor_rev ON unit_successor (successor_id);

-- Fields (lĩnh vực), with the code of the national catalogue (MaLinhVuc).
CREATE TABLE field (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z._-]{1,32}$'),
    name       text NOT NULL CHECK (length(btrim(name)) > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Procedures (TTHC) with their national code (domain.md §2: `^\d\.\d{6}$`, and the longer
-- published form like 3.000181.000.00.00.H22) and the levels where they are performed.
CREATE TABLE procedure (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE
               CHECK (code ~ '^[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[GH][0-9]{2})?$'),
    name       text NOT NULL CHECK (length(btrim(name)) > 0),
    field_id   bigint NOT NULL REFERENCES field(id),
    levels     text[] NOT NULL
               CHECK (cardinality(levels) >= 1
                      AND levels <@ ARRAY['central', 'province', 'district', 'commune']),
    created_at timestamptz NOT NULL DEFAULT now(),
    name_fold  text GENERATED ALWAYS AS (catalog_fold(name || ' ' || code)) STORED
);
CREATE INDEX procedure_field ON procedure (field_id);
CREATE INDEX procedure_fold ON procedure (name_fold text_pattern_ops);
CREATE INDEX procedure_levels ON procedure USING gin (levels);

-- Versions of a procedure, in force over [effective_from, effective_to] (inclusive; NULL = open
-- ended). A dossier keeps the version it was received under (domain.md §2). Durations:
--   wd working days, wh working hours, cd calendar days (Civil Code Art. 147-148), sameday
--   (with cutoff_minute, minutes after local midnight, e.g. 900 = 15:00), none (no
--   appointment: max_minutes of working time decides on-time, domain.md §7.1).
-- JSON members are validated by the API (server/api/catalog.c); the checks below are the
-- shape the database can hold it to.
CREATE TABLE procedure_version (
    id             bigserial PRIMARY KEY,
    procedure_id   bigint NOT NULL REFERENCES procedure(id),
    version        int NOT NULL CHECK (version >= 1),
    effective_from date NOT NULL,
    effective_to   date,
    duration_value int NOT NULL CHECK (duration_value >= 0 AND duration_value <= 3650),
    duration_unit  text NOT NULL CHECK (duration_unit IN ('wd', 'wh', 'cd', 'sameday', 'none')),
    cutoff_minute  int CHECK (cutoff_minute BETWEEN 0 AND 1439),
    max_minutes    int CHECK (max_minutes > 0),
    pause_reasons  text[] NOT NULL DEFAULT '{supplement}'
                   CHECK (pause_reasons <@ ARRAY['supplement', 'payment', 'consultation', 'vneid']),
    legs           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(legs) = 'array'),
    steps          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
    documents      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(documents) = 'array'),
    fees           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fees) = 'array'),
    cases          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(cases) = 'array'),
    resolving_level text CHECK (resolving_level IN ('central', 'province', 'district', 'commune')),
    legal_basis    text,            -- căn cứ pháp lý / quyết định công bố, free text
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (procedure_id, version),
    CHECK (effective_to IS NULL OR effective_to >= effective_from),
    -- a duration needs a positive value except 'sameday' (0 = the same day) and 'none'
    CHECK (duration_unit IN ('sameday', 'none') OR duration_value > 0),
    CHECK (duration_unit <> 'none' OR max_minutes IS NOT NULL),
    CHECK (cutoff_minute IS NULL OR duration_unit = 'sameday'),
    -- a district resolves nothing received from 01/07/2025 (domain.md §1)
    CHECK (resolving_level IS DISTINCT FROM 'district'
           OR (effective_to IS NOT NULL AND effective_to <= DATE '2025-06-30'))
);
CREATE INDEX procedure_version_at ON procedure_version (procedure_id, effective_from DESC);

-- Effective intervals of one procedure's versions must not overlap, so "the version in force
-- at T" is one row. An exclusion constraint would need btree_gist (an extension the service
-- account may not create), so a trigger checks it, after locking the procedure row so that
-- two concurrent inserts for the same procedure are serialised.
CREATE FUNCTION procedure_version_no_overlap() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    other int;
BEGIN
    PERFORM 1 FROM procedure WHERE id = NEW.procedure_id FOR UPDATE;
    SELECT v.version INTO other
      FROM procedure_version v
     WHERE v.procedure_id = NEW.procedure_id
       AND v.id <> NEW.id
       AND daterange(v.effective_from, v.effective_to, '[]')
           && daterange(NEW.effective_from, NEW.effective_to, '[]')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'effective dates overlap version %', other
              USING ERRCODE = '23P01', CONSTRAINT = 'procedure_version_overlap';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER procedure_version_no_overlap
    BEFORE INSERT OR UPDATE OF procedure_id, effective_from, effective_to ON procedure_version
    FOR EACH ROW EXECUTE FUNCTION procedure_version_no_overlap();
