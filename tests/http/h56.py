"""The small test province the citizen's-voice suites share (test_evaluation, test_pakn,
test_pakn_alerts, test_voice_feed): UBND tỉnh Thử Nghiệm (000.00.00.H56) with its public
administration centre and Sở Tư pháp, optionally communes below it, and one procedure,
2.000908 "Cấp bản sao từ sổ gốc", 3 working days with a supplement pause. Not a suite
(tests/run.sh runs test_*.py only)."""

UNITS = {"root": "000.00.00.H56", "center": "000.00.12.H56", "justice": "000.00.21.H56"}


def seed(t, communes=(), procedure=True):
    """communes: (code, name) pairs of communes under the province."""
    rows = [("000.00.12.H56", "Trung tâm Phục vụ hành chính công tỉnh", "province", "center"),
            ("000.00.21.H56", "Sở Tư pháp", "province", "department")]
    rows += [(c, n, "commune", "committee") for c, n in communes]
    values = ", ".join("('%s', '%s', '%s', '%s')" % r for r in rows)
    sql = """
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT c, n, l, k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01'
      FROM (VALUES %s) v(c, n, l, k);
    """ % values
    if procedure:
        sql += """
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000908', 'Cấp bản sao từ sổ gốc', (SELECT id FROM field WHERE code = 'G01'),
       '{province,commune}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT id, 1, '2015-01-01', 3, 'wd', '{supplement}', '[]', '[]' FROM procedure;
    """
    t.psql(sql)
