-- tools/demo/catalog.sql - the demo catalogue: one province, Đồng Nai, as motcua would hold it
-- across the 2025 reform (domain.md §1), with the former Bình Phước province merged into it on
-- 01/07/2025: the provincial centre and departments (with the
-- 01/03/2025 department mergers), two former districts with some of their communes closed on
-- 30/06/2025, the merged communes and wards in force from 01/07/2025 with successor links, the
-- fields and 39 procedures with their national codes (mã TTHC), versions, durations, cases,
-- liên thông legs, internal steps, documents and fees.
--
-- Loaded by tools/demo/load.sh in one transaction; idempotent (every insert is ON CONFLICT DO
-- NOTHING on a natural key), so re-running changes nothing.
--
-- Provenance and confidence (read before using this as anything but demo data):
--  * Unit identifier H19 for Đồng Nai: derived from the alphabetical order of the 63 provinces
--    used by QCVN 102:2016 level-1 codes, which gives H56 = Thanh Hóa and H22 = Hà Giang as seen
--    in domain-sources.md §7.3; not read in QĐ 20/2020 itself. The lower groups of the
--    identifiers below are demo values, not the province's published ones.
--  * Procedure codes and names: the national database codes as cited by third-party tools that
--    check them against DVCQG (e.g. 1.001193 Đăng ký khai sinh, 2.000815 Chứng thực bản sao từ
--    bản chính, 2.000908 Cấp bản sao từ sổ gốc, 2.000635 Cấp bản sao trích lục hộ tịch; see
--    domain-sources.md §7.2). Durations are typed from the laws named in legal_basis (Luật Hộ
--    tịch 2014 and NĐ 123/2015, NĐ 23/2015 on chứng thực, Luật Cư trú 2020, NĐ 01/2021, Luật Xây
--    dựng, NĐ 20/2021); check them against the province's publication decision (quyết định công
--    bố) before production use.
--  * The communes and wards are real names of Long Khánh and Nhơn Trạch before 2025 and of the
--    units in force from 01/07/2025; which old commune went into which new one is illustrative
--    (a subset, not the full arrangement resolution of the Standing Committee).
--  * Administrative-unit codes (mã ĐVHC, column admin_code): Đồng Nai 75, kept by the table of
--    QĐ 19/2025/QĐ-TTg (in force 01/07/2025, domain-sources.md §1, §7.3); the former Bình Phước
--    70, its code in the table in force until 30/06/2025 (QĐ 124/2004/QĐ-TTg and its changes,
--    domain-sources.md §1 [M]), which QĐ 19/2025 no longer lists. Commune codes are not set.
--  * The former Bình Phước province (Nghị quyết 202/2025/QH15: merged into Đồng Nai from
--    01/07/2025, Đồng Nai keeping its name and seat): units closed on 30/06/2025 with successor
--    links into Đồng Nai, as the catalogue does for the merged communes, so that reports by
--    current structure put its dossiers under Đồng Nai and reports as it was under Bình Phước.
--    Its unit identifier group H10 is NOT confirmed: the national list of QĐ 20/2020/QĐ-TTg
--    was not found by a search (pages and docs, "mã định danh điện tử Bình Phước H10",
--    "Quyết định 19/2025/QĐ-TTg", 07/12/2026); H10 is the place of Bình Phước in the same
--    alphabetical order of the 63 provinces that gives H19 for Đồng Nai (An Giang H01 ...
--    Bình Dương H09, Bình Phước H10, Bình Thuận H11 ... Điện Biên H18, Đồng Nai H19). Its lower
--    groups are demo values. Which Bình Phước wards went into phường Đồng Xoài is illustrative.
--  * Department mergers of 01/03/2025 (Sở Kế hoạch và Đầu tư into Sở Tài chính, Sở Tài nguyên
--    và Môi trường + Sở Nông nghiệp và Phát triển nông thôn into Sở Nông nghiệp và Môi trường,
--    Sở Giao thông vận tải into Sở Xây dựng, Sở Lao động - Thương binh và Xã hội split between
--    Sở Nội vụ, Sở Y tế and Sở Giáo dục và Đào tạo) follow the national 2025 restructuring.

-- Units: parents are resolved by code, so rows are inserted level by level.
INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to, address,
                  admin_code)
SELECT v.code, v.name, v.level, v.kind, p.id, 'H19', v.valid_from::date, v.valid_to::date, v.address,
       v.admin
  FROM (VALUES
    ('000.00.00.H19', 'Ủy ban nhân dân tỉnh Đồng Nai', 'province', 'committee', NULL,
     '2018-06-21', NULL, 'Số 2 Nguyễn Văn Trị, phường Trấn Biên, tỉnh Đồng Nai', '75')
  ) AS v(code, name, level, kind, parent, valid_from, valid_to, address, admin)
  LEFT JOIN unit p ON p.code = v.parent
ON CONFLICT (code) DO NOTHING;

-- Đồng Nai's mã ĐVHC on a catalogue loaded before it was set (otherwise, and on a second run,
-- no row matches: idempotent).
UPDATE unit SET admin_code = '75' WHERE code = '000.00.00.H19' AND admin_code IS NULL;

-- The former Bình Phước province (H10), dissolved 30/06/2025: its provincial committee (mã
-- ĐVHC 70) and centre, the former city of Đồng Xoài and two of its wards.
INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to, admin_code)
SELECT v.code, v.name, v.level, v.kind, p.id, 'H10', v.valid_from::date, v.valid_to::date, v.admin
  FROM (VALUES
    ('000.00.00.H10', 'Ủy ban nhân dân tỉnh Bình Phước', 'province', 'committee', NULL,
     '2018-06-21', '2025-06-30', '70')
  ) AS v(code, name, level, kind, parent, valid_from, valid_to, admin)
  LEFT JOIN unit p ON p.code = v.parent
ON CONFLICT (code) DO NOTHING;

INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)
SELECT v.code, v.name, v.level, v.kind, p.id, right(v.code, 3), v.valid_from::date, v.valid_to::date
  FROM (VALUES
    ('000.00.01.H10', 'Trung tâm Phục vụ hành chính công tỉnh Bình Phước', 'province', 'center', '000.00.00.H10', '2018-06-21', '2025-06-30'),
    ('000.00.41.H10', 'Ủy ban nhân dân thành phố Đồng Xoài', 'district', 'committee', '000.00.00.H10', '2018-06-21', '2025-06-30'),
    -- the ward of Đồng Nai in force from 01/07/2025 on the former territory of Đồng Xoài
    ('131.00.00.H19', 'Ủy ban nhân dân phường Đồng Xoài', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL)
  ) AS v(code, name, level, kind, parent, valid_from, valid_to)
  JOIN unit p ON p.code = v.parent
ON CONFLICT (code) DO NOTHING;

INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)
SELECT v.code, v.name, v.level, v.kind, p.id, right(v.code, 3), v.valid_from::date, v.valid_to::date
  FROM (VALUES
    ('001.00.41.H10', 'Ủy ban nhân dân phường Tân Phú', 'commune', 'committee', '000.00.41.H10', '2018-06-21', '2025-06-30'),
    ('002.00.41.H10', 'Ủy ban nhân dân phường Tân Đồng', 'commune', 'committee', '000.00.41.H10', '2018-06-21', '2025-06-30'),
    ('131.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Đồng Xoài', 'commune', 'center', '131.00.00.H19', '2025-07-01', NULL)
  ) AS v(code, name, level, kind, parent, valid_from, valid_to)
  JOIN unit p ON p.code = v.parent
ON CONFLICT (code) DO NOTHING;

INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to, address)
SELECT v.code, v.name, v.level, v.kind, p.id, 'H19', v.valid_from::date, v.valid_to::date, NULL
  FROM (VALUES
    ('000.00.01.H19', 'Trung tâm Phục vụ hành chính công tỉnh Đồng Nai', 'province', 'center', '000.00.00.H19', '2017-05-15', NULL),
    ('000.00.10.H19', 'Sở Tư pháp', 'province', 'department', '000.00.00.H19', '2018-06-21', NULL),
    ('000.00.11.H19', 'Sở Tài chính', 'province', 'department', '000.00.00.H19', '2018-06-21', NULL),
    ('000.00.12.H19', 'Sở Kế hoạch và Đầu tư', 'province', 'department', '000.00.00.H19', '2018-06-21', '2025-02-28'),
    ('000.00.13.H19', 'Sở Nông nghiệp và Môi trường', 'province', 'department', '000.00.00.H19', '2025-03-01', NULL),
    ('000.00.14.H19', 'Sở Tài nguyên và Môi trường', 'province', 'department', '000.00.00.H19', '2018-06-21', '2025-02-28'),
    ('000.00.15.H19', 'Sở Nông nghiệp và Phát triển nông thôn', 'province', 'department', '000.00.00.H19', '2018-06-21', '2025-02-28'),
    ('000.00.16.H19', 'Sở Xây dựng', 'province', 'department', '000.00.00.H19', '2018-06-21', NULL),
    ('000.00.17.H19', 'Sở Giao thông vận tải', 'province', 'department', '000.00.00.H19', '2018-06-21', '2025-02-28'),
    ('000.00.18.H19', 'Sở Lao động - Thương binh và Xã hội', 'province', 'department', '000.00.00.H19', '2018-06-21', '2025-02-28'),
    ('000.00.19.H19', 'Sở Nội vụ', 'province', 'department', '000.00.00.H19', '2018-06-21', NULL),
    ('000.00.20.H19', 'Sở Y tế', 'province', 'department', '000.00.00.H19', '2018-06-21', NULL),
    ('000.00.21.H19', 'Sở Giáo dục và Đào tạo', 'province', 'department', '000.00.00.H19', '2018-06-21', NULL),
    -- former districts (huyện level, abolished 01/07/2025)
    ('000.00.31.H19', 'Ủy ban nhân dân thành phố Long Khánh', 'district', 'committee', '000.00.00.H19', '2019-05-01', '2025-06-30'),
    ('000.00.32.H19', 'Ủy ban nhân dân huyện Nhơn Trạch', 'district', 'committee', '000.00.00.H19', '2018-06-21', '2025-06-30'),
    -- communes and wards in force from 01/07/2025 (two-level local government)
    ('101.00.00.H19', 'Ủy ban nhân dân phường Long Khánh', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('102.00.00.H19', 'Ủy ban nhân dân phường Bình Lộc', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('103.00.00.H19', 'Ủy ban nhân dân phường Bảo Vinh', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('104.00.00.H19', 'Ủy ban nhân dân phường Xuân Lập', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('105.00.00.H19', 'Ủy ban nhân dân phường Hàng Gòn', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('111.00.00.H19', 'Ủy ban nhân dân xã Nhơn Trạch', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('112.00.00.H19', 'Ủy ban nhân dân xã Đại Phước', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('113.00.00.H19', 'Ủy ban nhân dân xã Phước An', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('121.00.00.H19', 'Ủy ban nhân dân phường Biên Hòa', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('122.00.00.H19', 'Ủy ban nhân dân phường Trấn Biên', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL),
    ('123.00.00.H19', 'Ủy ban nhân dân phường Tam Hiệp', 'commune', 'committee', '000.00.00.H19', '2025-07-01', NULL)
  ) AS v(code, name, level, kind, parent, valid_from, valid_to)
  JOIN unit p ON p.code = v.parent
ON CONFLICT (code) DO NOTHING;

INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)
SELECT v.code, v.name, v.level, v.kind, p.id, 'H19', v.valid_from::date, v.valid_to::date
  FROM (VALUES
    -- counters and offices of the former districts (ND 61/2018 era)
    ('000.01.31.H19', 'Bộ phận Tiếp nhận và Trả kết quả thành phố Long Khánh', 'district', 'counter', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('000.02.31.H19', 'Phòng Tư pháp thành phố Long Khánh', 'district', 'department', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('000.03.31.H19', 'Phòng Lao động - Thương binh và Xã hội thành phố Long Khánh', 'district', 'department', '000.00.31.H19', '2019-05-01', '2025-02-28'),
    ('000.01.32.H19', 'Bộ phận Tiếp nhận và Trả kết quả huyện Nhơn Trạch', 'district', 'counter', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('000.02.32.H19', 'Phòng Tư pháp huyện Nhơn Trạch', 'district', 'department', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('000.03.32.H19', 'Phòng Lao động - Thương binh và Xã hội huyện Nhơn Trạch', 'district', 'department', '000.00.32.H19', '2018-06-21', '2025-02-28'),
    -- communes and wards of Long Khánh until 30/06/2025
    ('001.00.31.H19', 'Ủy ban nhân dân phường Xuân An', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('002.00.31.H19', 'Ủy ban nhân dân phường Xuân Bình', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('003.00.31.H19', 'Ủy ban nhân dân phường Xuân Hòa', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('004.00.31.H19', 'Ủy ban nhân dân phường Phú Bình', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('005.00.31.H19', 'Ủy ban nhân dân xã Bình Lộc', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('006.00.31.H19', 'Ủy ban nhân dân phường Suối Tre', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('007.00.31.H19', 'Ủy ban nhân dân phường Bảo Vinh', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('008.00.31.H19', 'Ủy ban nhân dân xã Bảo Quang', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('009.00.31.H19', 'Ủy ban nhân dân phường Xuân Lập', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('010.00.31.H19', 'Ủy ban nhân dân phường Xuân Tân', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('011.00.31.H19', 'Ủy ban nhân dân xã Hàng Gòn', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    ('012.00.31.H19', 'Ủy ban nhân dân xã Bàu Trâm', 'commune', 'committee', '000.00.31.H19', '2019-05-01', '2025-06-30'),
    -- communes of Nhơn Trạch until 30/06/2025
    ('001.00.32.H19', 'Ủy ban nhân dân thị trấn Hiệp Phước', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('002.00.32.H19', 'Ủy ban nhân dân xã Phước Thiền', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('003.00.32.H19', 'Ủy ban nhân dân xã Long Tân', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('004.00.32.H19', 'Ủy ban nhân dân xã Đại Phước', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('005.00.32.H19', 'Ủy ban nhân dân xã Phú Hữu', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('006.00.32.H19', 'Ủy ban nhân dân xã Phú Đông', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('007.00.32.H19', 'Ủy ban nhân dân xã Phước An', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('008.00.32.H19', 'Ủy ban nhân dân xã Long Thọ', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    ('009.00.32.H19', 'Ủy ban nhân dân xã Vĩnh Thanh', 'commune', 'committee', '000.00.32.H19', '2018-06-21', '2025-06-30'),
    -- commune-level public administration centres (ND 118/2025 Art. 7(3)) from 01/07/2025
    ('101.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Long Khánh', 'commune', 'center', '101.00.00.H19', '2025-07-01', NULL),
    ('102.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Bình Lộc', 'commune', 'center', '102.00.00.H19', '2025-07-01', NULL),
    ('103.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Bảo Vinh', 'commune', 'center', '103.00.00.H19', '2025-07-01', NULL),
    ('104.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Xuân Lập', 'commune', 'center', '104.00.00.H19', '2025-07-01', NULL),
    ('105.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Hàng Gòn', 'commune', 'center', '105.00.00.H19', '2025-07-01', NULL),
    ('111.01.00.H19', 'Trung tâm Phục vụ hành chính công xã Nhơn Trạch', 'commune', 'center', '111.00.00.H19', '2025-07-01', NULL),
    ('112.01.00.H19', 'Trung tâm Phục vụ hành chính công xã Đại Phước', 'commune', 'center', '112.00.00.H19', '2025-07-01', NULL),
    ('113.01.00.H19', 'Trung tâm Phục vụ hành chính công xã Phước An', 'commune', 'center', '113.00.00.H19', '2025-07-01', NULL),
    ('121.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Biên Hòa', 'commune', 'center', '121.00.00.H19', '2025-07-01', NULL),
    ('122.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Trấn Biên', 'commune', 'center', '122.00.00.H19', '2025-07-01', NULL),
    ('123.01.00.H19', 'Trung tâm Phục vụ hành chính công phường Tam Hiệp', 'commune', 'center', '123.00.00.H19', '2025-07-01', NULL)
  ) AS v(code, name, level, kind, parent, valid_from, valid_to)
  JOIN unit p ON p.code = v.parent
ON CONFLICT (code) DO NOTHING;

-- Successors: department mergers (01/03/2025), the split of Sở Lao động - Thương binh và Xã hội,
-- commune mergers (01/07/2025; Xuân Tân split between two wards), districts to the communes
-- on their former territory (one-to-many).
INSERT INTO unit_successor (unit_id, successor_id, since)
SELECT a.id, b.id, v.since::date
  FROM (VALUES
    ('000.00.12.H19', '000.00.11.H19', '2025-03-01'),
    ('000.00.14.H19', '000.00.13.H19', '2025-03-01'),
    ('000.00.15.H19', '000.00.13.H19', '2025-03-01'),
    ('000.00.17.H19', '000.00.16.H19', '2025-03-01'),
    ('000.00.18.H19', '000.00.19.H19', '2025-03-01'),
    ('000.00.18.H19', '000.00.20.H19', '2025-03-01'),
    ('000.00.18.H19', '000.00.21.H19', '2025-03-01'),
    ('001.00.31.H19', '101.00.00.H19', '2025-07-01'),
    ('002.00.31.H19', '101.00.00.H19', '2025-07-01'),
    ('003.00.31.H19', '101.00.00.H19', '2025-07-01'),
    ('004.00.31.H19', '101.00.00.H19', '2025-07-01'),
    ('005.00.31.H19', '102.00.00.H19', '2025-07-01'),
    ('006.00.31.H19', '102.00.00.H19', '2025-07-01'),
    ('007.00.31.H19', '103.00.00.H19', '2025-07-01'),
    ('008.00.31.H19', '103.00.00.H19', '2025-07-01'),
    ('009.00.31.H19', '104.00.00.H19', '2025-07-01'),
    ('010.00.31.H19', '104.00.00.H19', '2025-07-01'),
    ('010.00.31.H19', '101.00.00.H19', '2025-07-01'),
    ('011.00.31.H19', '105.00.00.H19', '2025-07-01'),
    ('012.00.31.H19', '105.00.00.H19', '2025-07-01'),
    ('001.00.32.H19', '111.00.00.H19', '2025-07-01'),
    ('002.00.32.H19', '111.00.00.H19', '2025-07-01'),
    ('003.00.32.H19', '111.00.00.H19', '2025-07-01'),
    ('004.00.32.H19', '112.00.00.H19', '2025-07-01'),
    ('005.00.32.H19', '112.00.00.H19', '2025-07-01'),
    ('006.00.32.H19', '112.00.00.H19', '2025-07-01'),
    ('007.00.32.H19', '113.00.00.H19', '2025-07-01'),
    ('008.00.32.H19', '113.00.00.H19', '2025-07-01'),
    ('009.00.32.H19', '113.00.00.H19', '2025-07-01'),
    ('000.00.31.H19', '101.00.00.H19', '2025-07-01'),
    ('000.00.31.H19', '102.00.00.H19', '2025-07-01'),
    ('000.00.31.H19', '103.00.00.H19', '2025-07-01'),
    ('000.00.31.H19', '104.00.00.H19', '2025-07-01'),
    ('000.00.31.H19', '105.00.00.H19', '2025-07-01'),
    ('000.00.32.H19', '111.00.00.H19', '2025-07-01'),
    ('000.00.32.H19', '112.00.00.H19', '2025-07-01'),
    ('000.00.32.H19', '113.00.00.H19', '2025-07-01'),
    -- the former Bình Phước province into Đồng Nai (01/07/2025): committee, centre, and the
    -- former city of Đồng Xoài and its wards into phường Đồng Xoài
    ('000.00.00.H10', '000.00.00.H19', '2025-07-01'),
    ('000.00.01.H10', '000.00.01.H19', '2025-07-01'),
    ('000.00.41.H10', '131.00.00.H19', '2025-07-01'),
    ('001.00.41.H10', '131.00.00.H19', '2025-07-01'),
    ('002.00.41.H10', '131.00.00.H19', '2025-07-01')
  ) AS v(unit, successor, since)
  JOIN unit a ON a.code = v.unit
  JOIN unit b ON b.code = v.successor
ON CONFLICT (unit_id, successor_id) DO NOTHING;

-- Fields (lĩnh vực). The codes are short mnemonic codes of this demo, not the national
-- MaLinhVuc table (TT 03/2025 annex, not read).
INSERT INTO field (code, name) VALUES
    ('HOTICH', 'Hộ tịch'),
    ('CHUNGTHUC', 'Chứng thực'),
    ('CUTRU', 'Đăng ký, quản lý cư trú'),
    ('HKD', 'Thành lập và hoạt động của hộ kinh doanh'),
    ('XAYDUNG', 'Hoạt động xây dựng'),
    ('VIECLAM', 'Việc làm'),
    ('BTXH', 'Bảo trợ xã hội'),
    ('GNBV', 'Giảm nghèo')
ON CONFLICT (code) DO NOTHING;

INSERT INTO procedure (code, name, field_id, levels)
SELECT v.code, v.name, f.id, v.levels::text[]
  FROM (VALUES
    ('1.001193', 'Thủ tục đăng ký khai sinh', 'HOTICH', '{commune}'),
    ('1.000894', 'Thủ tục đăng ký kết hôn', 'HOTICH', '{commune}'),
    ('1.000656', 'Thủ tục đăng ký khai tử', 'HOTICH', '{commune}'),
    ('1.000689', 'Thủ tục đăng ký khai sinh kết hợp nhận cha, mẹ, con', 'HOTICH', '{commune}'),
    ('1.004884', 'Thủ tục đăng ký lại khai sinh', 'HOTICH', '{commune}'),
    ('1.005461', 'Thủ tục đăng ký lại khai tử', 'HOTICH', '{commune}'),
    ('1.004746', 'Thủ tục đăng ký lại kết hôn', 'HOTICH', '{commune}'),
    ('1.004873', 'Thủ tục cấp Giấy xác nhận tình trạng hôn nhân', 'HOTICH', '{commune}'),
    ('2.000635', 'Thủ tục cấp bản sao Trích lục hộ tịch', 'HOTICH', '{district,commune}'),
    ('2.000528', 'Thủ tục đăng ký khai sinh có yếu tố nước ngoài', 'HOTICH', '{district,commune}'),
    ('2.000806', 'Thủ tục đăng ký kết hôn có yếu tố nước ngoài', 'HOTICH', '{district,commune}'),
    ('1.000593', 'Thủ tục đăng ký kết hôn lưu động', 'HOTICH', '{commune}'),
    ('1.000419', 'Thủ tục đăng ký khai tử lưu động', 'HOTICH', '{commune}'),
    ('1.004845', 'Thủ tục đăng ký chấm dứt giám hộ', 'HOTICH', '{commune}'),
    ('2.000815', 'Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận', 'CHUNGTHUC', '{district,commune}'),
    ('2.000884', 'Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)', 'CHUNGTHUC', '{district,commune}'),
    ('2.001008', 'Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật', 'CHUNGTHUC', '{district,commune}'),
    ('2.000992', 'Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật', 'CHUNGTHUC', '{district,commune}'),
    ('2.000942', 'Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực', 'CHUNGTHUC', '{district,commune}'),
    ('2.000908', 'Thủ tục cấp bản sao từ sổ gốc', 'CHUNGTHUC', '{district,commune}'),
    ('1.004222', 'Đăng ký thường trú', 'CUTRU', '{commune}'),
    ('1.004194', 'Đăng ký tạm trú', 'CUTRU', '{commune}'),
    ('1.002755', 'Gia hạn tạm trú', 'CUTRU', '{commune}'),
    ('1.003197', 'Xóa đăng ký thường trú', 'CUTRU', '{commune}'),
    ('1.010028', 'Xóa đăng ký tạm trú', 'CUTRU', '{commune}'),
    ('2.000575', 'Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh', 'HKD', '{district,commune}'),
    ('2.000720', 'Đăng ký thay đổi nội dung đăng ký hộ kinh doanh', 'HKD', '{district,commune}'),
    ('1.001570', 'Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh', 'HKD', '{district,commune}'),
    ('1.001266', 'Chấm dứt hoạt động hộ kinh doanh', 'HKD', '{district,commune}'),
    ('1.013225', 'Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV và nhà ở riêng lẻ', 'XAYDUNG', '{commune}'),
    ('1.013226', 'Cấp điều chỉnh giấy phép xây dựng đối với công trình cấp III, cấp IV và nhà ở riêng lẻ', 'XAYDUNG', '{commune}'),
    ('1.013227', 'Gia hạn giấy phép xây dựng', 'XAYDUNG', '{commune}'),
    ('1.013228', 'Cấp lại giấy phép xây dựng', 'XAYDUNG', '{commune}'),
    ('1.014199', 'Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam', 'VIECLAM', '{province}'),
    ('1.014200', 'Cấp lại giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam', 'VIECLAM', '{province}'),
    ('1.014201', 'Gia hạn giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam', 'VIECLAM', '{province}'),
    ('1.001776', 'Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hằng tháng', 'BTXH', '{district,commune}'),
    ('1.001699', 'Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật', 'BTXH', '{commune}'),
    ('1.011607', 'Công nhận hộ nghèo, hộ cận nghèo thường xuyên hằng năm', 'GNBV', '{commune}')
  ) AS v(code, name, field, levels)
  JOIN field f ON f.code = v.field
ON CONFLICT (code) DO NOTHING;

-- Versions. Columns: procedure, version, effective from/to, duration value and unit, same-day
-- cut-off (minutes after midnight: 900 = 15:00), maximum minutes (no appointment), pause
-- reasons, legs, steps, documents, fees, cases, resolving level, legal basis.
-- Internal steps (quy trình nội bộ) are in working minutes: 240 = "1/2 ngày".
INSERT INTO procedure_version (procedure_id, version, effective_from, effective_to,
                               duration_value, duration_unit, cutoff_minute, max_minutes,
                               pause_reasons, legs, steps, documents, fees, cases,
                               resolving_level, legal_basis)
SELECT p.id, v.version, v.f::date, v.t::date, v.dv, v.du, v.cutoff, v.maxm, v.pr::text[],
       v.legs::jsonb, v.steps::jsonb, v.docs::jsonb, v.fees::jsonb, v.cases::jsonb, v.lvl, v.basis
  FROM (VALUES
    -- Hộ tịch: "ngay trong ngày", after 15:00 the next working day (NĐ 123/2015 Art. 37 [M])
    ('1.001193', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận, kiểm tra hồ sơ","role":"clerk","minutes":30},{"name":"Công chức tư pháp - hộ tịch kiểm tra, ghi sổ, trình ký","role":"official","minutes":120},{"name":"Chủ tịch Ủy ban nhân dân cấp xã ký Giấy khai sinh","role":"leader","minutes":60},{"name":"Trả kết quả","role":"clerk","minutes":30}]',
     '[{"name":"Tờ khai đăng ký khai sinh","kind":"original","count":1},{"name":"Giấy chứng sinh","kind":"original","count":1}]',
     '[{"name":"Lệ phí đăng ký khai sinh đúng hạn","amount":0,"note":"Miễn lệ phí"}]', '[]', 'commune',
     'Luật Hộ tịch 2014 Điều 16; Nghị định 123/2015/NĐ-CP'),
    ('1.000894', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận, kiểm tra hồ sơ","role":"clerk","minutes":30},{"name":"Công chức tư pháp - hộ tịch kiểm tra, trình ký","role":"official","minutes":120},{"name":"Chủ tịch Ủy ban nhân dân cấp xã ký Giấy chứng nhận kết hôn","role":"leader","minutes":60}]',
     '[{"name":"Tờ khai đăng ký kết hôn","kind":"original","count":1},{"name":"Giấy xác nhận tình trạng hôn nhân (nếu đăng ký tại nơi không thường trú)","kind":"original","count":1}]',
     '[{"name":"Lệ phí đăng ký kết hôn","amount":0,"note":"Miễn lệ phí"}]',
     '[{"code":"XM","name":"Cần xác minh điều kiện kết hôn","duration_value":5,"duration_unit":"wd"}]', 'commune',
     'Luật Hộ tịch 2014 Điều 18'),
    ('1.000656', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký khai tử","kind":"original","count":1},{"name":"Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử","kind":"original","count":1}]',
     '[{"name":"Lệ phí đăng ký khai tử đúng hạn","amount":0,"note":"Miễn lệ phí"}]', '[]', 'commune',
     'Luật Hộ tịch 2014 Điều 34'),
    ('1.000689', 1, '2018-06-21', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký khai sinh và nhận cha, mẹ, con","kind":"original","count":1},{"name":"Giấy chứng sinh","kind":"original","count":1},{"name":"Chứng cứ chứng minh quan hệ cha, mẹ, con","kind":"copy","count":1}]',
     '[]', '[]', 'commune', 'Luật Hộ tịch 2014 Điều 25; Nghị định 123/2015/NĐ-CP Điều 15'),
    ('1.004884', 1, '2018-06-21', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký lại khai sinh","kind":"original","count":1},{"name":"Bản sao giấy tờ có thông tin khai sinh","kind":"copy","count":1}]',
     '[]', '[]', 'commune', 'Nghị định 123/2015/NĐ-CP Điều 26'),
    ('1.005461', 1, '2018-06-21', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký lại khai tử","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Nghị định 123/2015/NĐ-CP Điều 28'),
    ('1.004746', 1, '2018-06-21', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký lại kết hôn","kind":"original","count":1},{"name":"Bản sao Giấy chứng nhận kết hôn được cấp trước đây","kind":"copy","count":1}]',
     '[]', '[]', 'commune', 'Nghị định 123/2015/NĐ-CP Điều 27'),
    ('1.004873', 1, '2018-06-21', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận hồ sơ","role":"clerk","minutes":30},{"name":"Kiểm tra, xác minh tình trạng hôn nhân","role":"official","minutes":960},{"name":"Ký Giấy xác nhận","role":"leader","minutes":240}]',
     '[{"name":"Tờ khai cấp Giấy xác nhận tình trạng hôn nhân","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":0,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'commune',
     'Nghị định 123/2015/NĐ-CP Điều 22'),
    ('2.000635', 1, '2018-06-21', '2025-06-30', 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai cấp bản sao trích lục hộ tịch","kind":"original","count":1}]',
     '[{"name":"Phí cấp bản sao trích lục hộ tịch","amount":8000,"note":"đồng/bản sao"}]', '[]', 'district',
     'Luật Hộ tịch 2014 Điều 64'),
    ('2.000635', 2, '2025-07-01', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai cấp bản sao trích lục hộ tịch","kind":"original","count":1}]',
     '[{"name":"Phí cấp bản sao trích lục hộ tịch","amount":8000,"note":"đồng/bản sao"}]', '[]', 'commune',
     'Luật Hộ tịch 2014 Điều 64; phân cấp cho cấp xã từ 01/7/2025'),
    ('2.000528', 1, '2018-06-21', '2025-06-30', 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký khai sinh","kind":"original","count":1},{"name":"Giấy chứng sinh","kind":"original","count":1},{"name":"Văn bản thỏa thuận chọn quốc tịch cho con","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":0,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'district',
     'Luật Hộ tịch 2014 Điều 36'),
    ('2.000528', 2, '2025-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký khai sinh","kind":"original","count":1},{"name":"Giấy chứng sinh","kind":"original","count":1},{"name":"Văn bản thỏa thuận chọn quốc tịch cho con","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":0,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'commune',
     'Luật Hộ tịch 2014 Điều 36; phân cấp cho cấp xã từ 01/7/2025'),
    -- liên thông over two units of the former district; the verification by the police is
    -- not counted in the duration (a pause reason, domain-sources.md §2.6)
    ('2.000806', 1, '2018-06-21', '2025-06-30', 10, 'wd', NULL, NULL, '{supplement,consultation}',
     '[{"level":"district","name":"Phòng Tư pháp cấp huyện thẩm tra, xác minh","minutes":3360},{"level":"district","name":"Chủ tịch Ủy ban nhân dân cấp huyện ký Giấy chứng nhận kết hôn","minutes":1440}]',
     '[]',
     '[{"name":"Tờ khai đăng ký kết hôn","kind":"original","count":1},{"name":"Giấy xác nhận tình trạng hôn nhân của người nước ngoài","kind":"original","count":1},{"name":"Giấy xác nhận của tổ chức y tế về việc không mắc bệnh tâm thần","kind":"original","count":1},{"name":"Hộ chiếu của người nước ngoài","kind":"copy","count":1}]',
     '[{"name":"Lệ phí đăng ký kết hôn có yếu tố nước ngoài","amount":1000000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'district',
     'Luật Hộ tịch 2014 Điều 38; Nghị định 123/2015/NĐ-CP Điều 32'),
    ('2.000806', 2, '2025-07-01', NULL, 10, 'wd', NULL, NULL, '{supplement,consultation}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký kết hôn","kind":"original","count":1},{"name":"Giấy xác nhận tình trạng hôn nhân của người nước ngoài","kind":"original","count":1},{"name":"Giấy xác nhận của tổ chức y tế về việc không mắc bệnh tâm thần","kind":"original","count":1},{"name":"Hộ chiếu của người nước ngoài","kind":"copy","count":1}]',
     '[{"name":"Lệ phí đăng ký kết hôn có yếu tố nước ngoài","amount":1000000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'commune',
     'Luật Hộ tịch 2014 Điều 38; phân cấp cho cấp xã từ 01/7/2025'),
    ('1.000593', 1, '2018-06-21', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký kết hôn","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Nghị định 123/2015/NĐ-CP Điều 15 (đăng ký lưu động)'),
    ('1.000419', 1, '2018-06-21', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký khai tử","kind":"original","count":1},{"name":"Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Nghị định 123/2015/NĐ-CP Điều 15 (đăng ký lưu động)'),
    ('1.004845', 1, '2018-06-21', NULL, 2, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai đăng ký chấm dứt giám hộ","kind":"original","count":1},{"name":"Giấy tờ làm căn cứ chấm dứt việc giám hộ","kind":"copy","count":1}]', '[]', '[]', 'commune',
     'Luật Hộ tịch 2014 Điều 23'),
    -- Chứng thực: same day, after 15:00 the next working day (NĐ 23/2015 Art. 7(1)) [M]
    ('2.000815', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao","kind":"original","count":1},{"name":"Bản sao cần chứng thực","kind":"copy","count":1}]',
     '[{"name":"Phí chứng thực bản sao từ bản chính","amount":2000,"note":"đồng/trang; từ trang thứ ba 1.000 đồng/trang, tối đa 200.000 đồng/bản"}]',
     '[]', 'commune', 'Nghị định 23/2015/NĐ-CP Điều 7, Điều 20; Thông tư 226/2016/TT-BTC'),
    ('2.000884', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Giấy tờ tùy thân còn giá trị sử dụng","kind":"original","count":1},{"name":"Giấy tờ, văn bản cần chứng thực chữ ký","kind":"original","count":1}]',
     '[{"name":"Phí chứng thực chữ ký","amount":10000,"note":"đồng/trường hợp"}]', '[]', 'commune',
     'Nghị định 23/2015/NĐ-CP Điều 7, Điều 24'),
    ('2.001008', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Giấy tờ tùy thân của người dịch","kind":"original","count":1},{"name":"Bản dịch và giấy tờ cần dịch","kind":"original","count":1},{"name":"Bằng cử nhân ngoại ngữ trở lên về thứ tiếng nước ngoài cần dịch","kind":"copy","count":1}]',
     '[{"name":"Phí chứng thực chữ ký","amount":10000,"note":"đồng/trường hợp"}]', '[]', 'commune',
     'Nghị định 23/2015/NĐ-CP Điều 31'),
    ('2.000992', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Bản dịch và giấy tờ cần dịch","kind":"original","count":1}]',
     '[{"name":"Phí chứng thực chữ ký","amount":10000,"note":"đồng/trường hợp"}]', '[]', 'commune',
     'Nghị định 23/2015/NĐ-CP Điều 33'),
    ('2.000942', 1, '2018-06-21', NULL, 2, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Giấy tờ tùy thân của người yêu cầu","kind":"original","count":1}]',
     '[{"name":"Phí cấp bản sao có chứng thực","amount":2000,"note":"đồng/trang; từ trang thứ ba 1.000 đồng/trang, tối đa 200.000 đồng/bản"}]', '[]', 'commune',
     'Nghị định 23/2015/NĐ-CP Điều 38'),
    ('2.000908', 1, '2018-06-21', NULL, 0, 'sameday', 900, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Giấy tờ tùy thân của người yêu cầu","kind":"original","count":1},{"name":"Giấy tờ chứng minh quan hệ với người được cấp bản chính (nếu có)","kind":"copy","count":1}]',
     '[]', '[]', 'commune', 'Nghị định 23/2015/NĐ-CP Điều 16'),
    -- Cư trú (Luật Cư trú 2020)
    ('1.004222', 1, '2021-07-01', NULL, 7, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai thay đổi thông tin cư trú (mẫu CT01)","kind":"original","count":1},{"name":"Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp","kind":"copy","count":1}]',
     '[{"name":"Lệ phí đăng ký thường trú","amount":20000,"note":"Trực tiếp; nộp trực tuyến 10.000 đồng"}]', '[]', 'commune',
     'Luật Cư trú 2020 Điều 22'),
    ('1.004194', 1, '2021-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai thay đổi thông tin cư trú (mẫu CT01)","kind":"original","count":1},{"name":"Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp","kind":"copy","count":1}]',
     '[{"name":"Lệ phí đăng ký tạm trú","amount":15000,"note":"Trực tiếp; nộp trực tuyến 7.000 đồng"}]', '[]', 'commune',
     'Luật Cư trú 2020 Điều 28'),
    ('1.002755', 1, '2021-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai thay đổi thông tin cư trú (mẫu CT01)","kind":"original","count":1}]',
     '[{"name":"Lệ phí gia hạn tạm trú","amount":15000,"note":"Trực tiếp; nộp trực tuyến 7.000 đồng"}]', '[]', 'commune',
     'Luật Cư trú 2020 Điều 28'),
    ('1.003197', 1, '2021-07-01', NULL, 1, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai thay đổi thông tin cư trú (mẫu CT01)","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Luật Cư trú 2020 Điều 24'),
    ('1.010028', 1, '2021-07-01', NULL, 1, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Tờ khai thay đổi thông tin cư trú (mẫu CT01)","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Luật Cư trú 2020 Điều 29'),
    -- Hộ kinh doanh (NĐ 01/2021): district until 30/06/2025, commune since
    ('2.000575', 1, '2021-01-04', '2025-06-30', 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Giấy đề nghị cấp lại Giấy chứng nhận đăng ký hộ kinh doanh","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":0,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'district', 'Nghị định 01/2021/NĐ-CP Điều 97'),
    ('2.000575', 2, '2025-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Giấy đề nghị cấp lại Giấy chứng nhận đăng ký hộ kinh doanh","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":0,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'commune', 'Nghị định 01/2021/NĐ-CP Điều 97'),
    ('2.000720', 1, '2021-01-04', '2025-06-30', 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Thông báo thay đổi nội dung đăng ký hộ kinh doanh","kind":"original","count":1}]',
     '[{"name":"Lệ phí đăng ký hộ kinh doanh","amount":100000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'district', 'Nghị định 01/2021/NĐ-CP Điều 90'),
    ('2.000720', 2, '2025-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Thông báo thay đổi nội dung đăng ký hộ kinh doanh","kind":"original","count":1}]',
     '[{"name":"Lệ phí đăng ký hộ kinh doanh","amount":100000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'commune', 'Nghị định 01/2021/NĐ-CP Điều 90'),
    ('1.001570', 1, '2021-01-04', '2025-06-30', 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Thông báo về việc tạm ngừng kinh doanh hoặc tiếp tục kinh doanh","kind":"original","count":1}]', '[]', '[]', 'district', 'Nghị định 01/2021/NĐ-CP Điều 91'),
    ('1.001570', 2, '2025-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Thông báo về việc tạm ngừng kinh doanh hoặc tiếp tục kinh doanh","kind":"original","count":1}]', '[]', '[]', 'commune', 'Nghị định 01/2021/NĐ-CP Điều 91'),
    ('1.001266', 1, '2021-01-04', '2025-06-30', 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Thông báo về việc chấm dứt hoạt động hộ kinh doanh","kind":"original","count":1},{"name":"Giấy chứng nhận đăng ký hộ kinh doanh","kind":"original","count":1}]', '[]', '[]', 'district', 'Nghị định 01/2021/NĐ-CP Điều 92'),
    ('1.001266', 2, '2025-07-01', NULL, 3, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Thông báo về việc chấm dứt hoạt động hộ kinh doanh","kind":"original","count":1},{"name":"Giấy chứng nhận đăng ký hộ kinh doanh","kind":"original","count":1}]', '[]', '[]', 'commune', 'Nghị định 01/2021/NĐ-CP Điều 92'),
    -- Xây dựng: calendar days (Luật Xây dựng Art. 102): 20 days for works, 15 for houses
    ('1.013225', 1, '2025-07-01', NULL, 20, 'cd', NULL, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận, kiểm tra hồ sơ","role":"clerk","minutes":60},{"name":"Thẩm định hồ sơ, kiểm tra thực địa","role":"official","minutes":2400},{"name":"Lãnh đạo ký giấy phép","role":"leader","minutes":480}]',
     '[{"name":"Đơn đề nghị cấp giấy phép xây dựng","kind":"original","count":1},{"name":"Giấy tờ chứng minh quyền sử dụng đất","kind":"copy","count":1},{"name":"Bản vẽ thiết kế xây dựng","kind":"original","count":2}]',
     '[{"name":"Lệ phí cấp giấy phép xây dựng","amount":75000,"note":"Nhà ở riêng lẻ; theo Nghị quyết của Hội đồng nhân dân tỉnh"}]',
     '[{"code":"NORL","name":"Nhà ở riêng lẻ","duration_value":15,"duration_unit":"cd"}]', 'commune',
     'Luật Xây dựng 2014 Điều 102 (sửa đổi 2020)'),
    ('1.013226', 1, '2025-07-01', NULL, 20, 'cd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Đơn đề nghị điều chỉnh giấy phép xây dựng","kind":"original","count":1},{"name":"Bản chính giấy phép xây dựng đã được cấp","kind":"original","count":1},{"name":"Bản vẽ thiết kế điều chỉnh","kind":"original","count":2}]',
     '[{"name":"Lệ phí","amount":75000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]',
     '[{"code":"NORL","name":"Nhà ở riêng lẻ","duration_value":15,"duration_unit":"cd"}]', 'commune',
     'Luật Xây dựng 2014 Điều 98, Điều 102'),
    ('1.013227', 1, '2025-07-01', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Đơn đề nghị gia hạn giấy phép xây dựng","kind":"original","count":1},{"name":"Bản chính giấy phép xây dựng đã được cấp","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Luật Xây dựng 2014 Điều 99, Điều 102'),
    ('1.013228', 1, '2025-07-01', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Đơn đề nghị cấp lại giấy phép xây dựng","kind":"original","count":1}]', '[]', '[]', 'commune',
     'Luật Xây dựng 2014 Điều 100, Điều 102'),
    -- Việc làm: province (Sở Nội vụ since 01/03/2025)
    ('1.014199', 1, '2025-08-07', NULL, 10, 'wd', NULL, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận hồ sơ tại Trung tâm Phục vụ hành chính công tỉnh","role":"clerk","minutes":60},{"name":"Chuyên viên thẩm định","role":"official","minutes":2880},{"name":"Lãnh đạo Sở ký giấy phép","role":"leader","minutes":960}]',
     '[{"name":"Văn bản đề nghị cấp giấy phép lao động","kind":"original","count":1},{"name":"Giấy chứng nhận sức khỏe","kind":"original","count":1},{"name":"Hộ chiếu","kind":"copy","count":1},{"name":"Văn bản chứng minh chuyên gia, nhà quản lý hoặc lao động kỹ thuật","kind":"copy","count":1}]',
     '[{"name":"Lệ phí cấp giấy phép lao động","amount":600000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'province',
     'Bộ luật Lao động 2019 Điều 151-157'),
    ('1.014200', 1, '2025-08-07', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Văn bản đề nghị cấp lại giấy phép lao động","kind":"original","count":1},{"name":"Giấy phép lao động còn thời hạn đã được cấp (trừ trường hợp bị mất)","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":450000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'province',
     'Bộ luật Lao động 2019 Điều 156'),
    ('1.014201', 1, '2025-08-07', NULL, 5, 'wd', NULL, NULL, '{supplement}', '[]', '[]',
     '[{"name":"Văn bản đề nghị gia hạn giấy phép lao động","kind":"original","count":1},{"name":"Giấy phép lao động còn thời hạn đã được cấp","kind":"original","count":1},{"name":"Giấy chứng nhận sức khỏe","kind":"original","count":1}]',
     '[{"name":"Lệ phí","amount":450000,"note":"Theo Nghị quyết của Hội đồng nhân dân tỉnh"}]', '[]', 'province',
     'Bộ luật Lao động 2019 Điều 155'),
    -- Bảo trợ xã hội: liên thông xã -> phòng Lao động - Thương binh và Xã hội -> Chủ tịch UBND
    -- cấp huyện until the district level ends; then decided by the commune
    ('1.001776', 1, '2021-07-01', '2025-06-30', 20, 'wd', NULL, NULL, '{supplement}',
     '[{"level":"commune","name":"Ủy ban nhân dân cấp xã xét duyệt, niêm yết công khai","minutes":4800},{"level":"district","name":"Phòng Lao động - Thương binh và Xã hội thẩm định","minutes":3360},{"level":"district","name":"Chủ tịch Ủy ban nhân dân cấp huyện quyết định","minutes":1440}]',
     '[]',
     '[{"name":"Tờ khai đề nghị trợ giúp xã hội","kind":"original","count":1},{"name":"Giấy xác nhận khuyết tật (đối với người khuyết tật)","kind":"copy","count":1}]',
     '[]', '[]', 'district', 'Nghị định 20/2021/NĐ-CP Điều 8'),
    ('1.001776', 2, '2025-07-01', NULL, 10, 'wd', NULL, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận hồ sơ","role":"clerk","minutes":30},{"name":"Công chức văn hóa - xã hội thẩm định, niêm yết","role":"official","minutes":3360},{"name":"Chủ tịch Ủy ban nhân dân cấp xã quyết định","role":"leader","minutes":960}]',
     '[{"name":"Tờ khai đề nghị trợ giúp xã hội","kind":"original","count":1},{"name":"Giấy xác nhận khuyết tật (đối với người khuyết tật)","kind":"copy","count":1}]',
     '[]', '[]', 'commune', 'Nghị định 20/2021/NĐ-CP; phân cấp cho cấp xã từ 01/7/2025'),
    ('1.001699', 1, '2019-01-01', NULL, 20, 'wd', NULL, NULL, '{supplement}', '[]',
     '[{"name":"Tiếp nhận hồ sơ","role":"clerk","minutes":30},{"name":"Hội đồng xác định mức độ khuyết tật đánh giá","role":"official","minutes":7200},{"name":"Chủ tịch Ủy ban nhân dân cấp xã cấp Giấy xác nhận khuyết tật","role":"leader","minutes":1440}]',
     '[{"name":"Đơn đề nghị xác định mức độ khuyết tật","kind":"original","count":1},{"name":"Bản sao các giấy tờ y tế chứng minh khuyết tật (nếu có)","kind":"copy","count":1}]',
     '[]', '[]', 'commune', 'Luật Người khuyết tật 2010 Điều 17; Thông tư 01/2019/TT-BLĐTBXH'),
    -- no appointment: the annual review runs on the province's schedule; on time iff the
    -- working time used stays within 30 working days (domain.md §7.1)
    ('1.011607', 1, '2022-01-01', NULL, 0, 'none', NULL, 14400, '{supplement}', '[]', '[]',
     '[{"name":"Giấy đề nghị rà soát hộ nghèo, hộ cận nghèo","kind":"original","count":1}]',
     '[]', '[]', 'commune', 'Nghị định 07/2021/NĐ-CP; Quyết định 24/2021/QĐ-TTg')
  ) AS v(code, version, f, t, dv, du, cutoff, maxm, pr, legs, steps, docs, fees, cases, lvl, basis)
  JOIN procedure p ON p.code = v.code
 -- NOT EXISTS rather than ON CONFLICT alone: the overlap trigger runs before the conflict check
 WHERE NOT EXISTS (SELECT 1 FROM procedure_version x
                    WHERE x.procedure_id = p.id AND x.version = v.version)
ON CONFLICT (procedure_id, version) DO NOTHING;
