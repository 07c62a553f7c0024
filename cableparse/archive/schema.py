"""The archive's SQL schema, in one place.

Scripts, canned queries and the Datasette metadata name these tables and
columns, so they are defined once here as data and created by `ensure_schema`.
Columns can be added freely: `ensure_schema` adds missing ones to an existing
archive, so old archives keep working.
"""
from __future__ import annotations

import sqlite_utils

from .rawtext import register

CABLE_FK = [("cable_id", "cables", "id")]

# name -> {"columns": {...}, "pk": ..., "foreign_keys": [...], "indexes": [(name, cols)]}
# Creation order matters: child tables reference `cables`.
TABLES: dict[str, dict] = {
    "cables": {
        "columns": {
            "id": str,
            "created": str,  # YYYY-MM-DD HH:MM
            "released": str,  # YYYY-MM-DD HH:MM
            "classification": str,
            "origin": str,
            "subject": str,
            "tags": str,  # JSON array of codes in cable order (display only; facet cable_tags)
            "raw_id": str,
            "year": int,
            "precedence": str,
            "routing_indicator": str,
            "serial": str,
            "dtg": str,
            "from_station": str,
            "drafted_by": str,  # older State telegrams
            "approved_by": str,
            "classification_line": str,
            "section_count": int,
            "caveats": str,  # JSON array
            "eo": str,
            "declassify_on": str,
            "classified_by": str,
            "signature": str,
            "signature_line": str,
            "paragraph_count": int,
            "source": str,
            "source_line": int,
            "format": str,
            # raw header and body text, zlib-compressed (archive/rawtext.py; read them with
            # cable_text(header) or the cable_texts view): the cable text is never lost
            "header": str,
            "body": str,
            "content_hash": str,  # Cable.content_hash: unchanged text is skipped on re-ingest
            "parse_problems": int,  # rows in ingest_errors for this cable
            "csv_references": str,  # JSON list from cables.csv, or null
            "id_source": str,  # where the id came from: record | text | file name
            "tag_list": str,  # the tags as plain text (KTIP, SMIG) for tables and CSV
            "cut": int,  # 1: the input ended before the cable did (shown only while no whole copy is known)
        },
        "pk": "id",
        "foreign_keys": [],
        # Facets on indexed cables columns measured at 23-27 ms at full scale.
        "indexes": [
            ("idx_cables_origin", ["origin"]),
            ("idx_cables_year", ["year"]),
            ("idx_cables_classification", ["classification"]),
            ("idx_cables_created", ["created"]),
            # paragraphs per origin without reading cable rows (the site's facet)
            ("idx_cables_origin_paragraphs", ["origin", "paragraph_count"]),
            # re-ingest looks archived text up by hash before parsing it
            ("idx_cables_content_hash", ["content_hash"]),
        ],
    },
    # One row per (cable, tag) with copies of the cable columns researchers
    # combine with tags: a facet here is ~100 ms at full scale, whereas an
    # array facet on cables.tags times out (see shared notes).
    "cable_tags": {
        "columns": {
            "cable_id": str,
            "tag": str,
            "position": int,
            "origin": str,
            "year": int,
            "classification": str,
        },
        "pk": ("cable_id", "tag"),
        "foreign_keys": CABLE_FK,
        # (origin, tag) and (year, tag) serve `where origin = ?` like a
        # single-column index would, and also cover the tag facet under that filter.
        "indexes": [
            ("idx_cable_tags_tag_year", ["tag", "year"]),
            ("idx_cable_tags_tag_origin", ["tag", "origin"]),
            ("idx_cable_tags_tag_classification", ["tag", "classification"]),
            # the classification facet over every row: 655 ms without it on the full release
            ("idx_cable_tags_classification", ["classification"]),
            ("idx_cable_tags_origin", ["origin", "tag"]),
            ("idx_cable_tags_year", ["year", "tag"]),
        ],
    },
    # Counts refreshed after each ingest; kind/description are filled elsewhere.
    "tags": {
        # paragraphs: rows in paragraphs of the cables carrying the code, kept by
        # tagdict.fill_tags for the paragraphs page's unfiltered tag facet
        "columns": {"code": str, "cables": int, "kind": str, "description": str,
                    "paragraphs": int},
        "pk": "code",
        "foreign_keys": [],
        "indexes": [],
    },
    "recipients": {
        "columns": {
            "cable_id": str,
            "position": int,
            "role": str,  # to | info
            "routing_indicator": str,
            "station": str,
            "precedence": str,
            "serial": str,
        },
        "pk": ("cable_id", "position"),
        "foreign_keys": CABLE_FK,
        "indexes": [("idx_recipients_station", ["station"])],
    },
    # Office distribution lists of older State telegrams: ACTION EUR-25, INFO OCT-01 ...
    "offices": {
        "columns": {
            "cable_id": str,
            "position": int,
            "role": str,  # action | info
            "office": str,  # EUR
            "copies": int,  # 25
        },
        "pk": ("cable_id", "position"),
        "foreign_keys": CABLE_FK,
        "indexes": [("idx_offices_office", ["office", "role"])],
    },
    "refs": {
        "columns": {
            "cable_id": str,
            "position": int,
            "label": str,
            "raw": str,
            "target_id": str,
        },
        "pk": ("cable_id", "position"),
        "foreign_keys": CABLE_FK,
        "indexes": [("idx_refs_target_id", ["target_id"])],
    },
    "sections": {
        "columns": {
            "cable_id": str,
            "position": int,
            "heading": str,
            "first_paragraph": int,  # paragraphs.position of its first paragraph
            "section_key": str,  # the heading normalised (archive/sections.py)
        },
        "pk": ("cable_id", "position"),
        "foreign_keys": CABLE_FK,
        "indexes": [],
    },
    "paragraphs": {
        "columns": {
            "cable_id": str,
            "position": int,
            "number": int,
            "sub": str,
            "classification": str,
            "section": str,
            "text": str,
            "line": int,
            # the section normalised (case, numbering, punctuation, spelling, the
            # standard parts of report cables): archive/sections.py. The site's
            # section facet and section: search use it; `section` stays as written.
            "section_key": str,
        },
        "pk": ("cable_id", "position"),
        "foreign_keys": CABLE_FK,
        "indexes": [
            ("idx_paragraphs_cable_id_number", ["cable_id", "number"]),
            ("idx_paragraphs_classification", ["classification"]),
            # the site's section facet groups every paragraph by its heading
            ("idx_paragraphs_section", ["section"]),
            # section: filters, and paragraph_facets' counts of paragraphs and cables per key
            ("idx_paragraphs_section_key", ["section_key", "cable_id"]),
        ],
    },
    # Precomputed facet counts over every paragraph, rebuilt after each ingest
    # (derived.py): per value of paragraphs.classification and of section_key, how
    # many paragraphs and cables have it, and what a facet shows for it. Grouping
    # millions of paragraphs for each unfiltered facet is what these rows save.
    "paragraph_facets": {
        "columns": {"facet": str, "value": str, "label": str, "paragraphs": int, "cables": int,
                    "headings": int},  # headings: distinct spellings under one section_key
        "pk": ("facet", "value"),
        "foreign_keys": [],
        "indexes": [("idx_paragraph_facets_count", ["facet", "paragraphs"])],
    },
    # Every distinct text of a cable that was ingested (a CSV row and a page of
    # the same cable differ in wrapping and punctuation). `cables` shows the
    # current one; superseded versions keep their text here, the current one's
    # text is in cables.header/body, so no text is stored twice or lost.
    # Re-ingesting any known version is a no-op.
    "cable_versions": {
        "columns": {
            "cable_id": str,
            "content_hash": str,
            "current": int,  # 1 for the version shown in `cables`
            "source": str,
            "source_line": int,
            "format": str,
            # each version's own record: a page and a CSV row can disagree
            "created": str,
            "released": str,
            "classification": str,
            "origin": str,
            "first_seen": str,
            "header": str,  # null while current (see cables.header); compressed as there
            "body": str,
        },
        "pk": ("cable_id", "content_hash"),
        "foreign_keys": CABLE_FK,
        "indexes": [
            ("idx_cable_versions_content_hash", ["content_hash"]),
            # cable_version_stats reads only superseded rows (one per extra version)
            ("idx_cable_versions_current", ["current", "cable_id"]),
        ],
    },
    # Counts of what changed between consecutive versions of a cable (oldest
    # first by release date), filled by cableparse.versions.record_diffs:
    # redaction counts need a word alignment, which SQL cannot do.
    "version_diffs": {
        "columns": {
            "cable_id": str,
            "from_hash": str,  # cable_versions.content_hash of the older version
            "to_hash": str,
            "redactions_added": int,
            "redactions_lifted": int,
            "paragraphs_added": int,
            "paragraphs_removed": int,
            "paragraphs_changed": int,
            "other_changes": int,  # edits outside paragraphs (header, preamble, signature)
        },
        "pk": ("cable_id", "from_hash", "to_hash"),
        "foreign_keys": CABLE_FK,
        "indexes": [],
    },
    # Posts that send and receive cables, derived from the archive by
    # cableparse.posts.build_posts (rebuilt whole after each ingest).
    "posts": {
        "columns": {
            "name": str,  # the archive's name for the post: Consulate Casablanca
            "kind": str,  # embassy, consulate, mission, office, department, agency,
                          # military, organisation, collective, delegation, other
            "city": str,
            "country_code": str,  # ISO 3166-1 alpha-2
            "country": str,
            "latitude": float,
            "longitude": float,
            "geonameid": int,
            "coordinates_source": str,
            "stations": str,  # JSON: the station names that designate it
            "routing_indicators": str,  # JSON: RUEHCL ...
        },
        "pk": "name",
        "foreign_keys": [],
        "indexes": [("idx_posts_country", ["country_code"])],
    },
    "stations": {
        "columns": {"station": str, "post": str, "routing_indicators": str},
        "pk": "station",
        "foreign_keys": [("post", "posts", "name")],
        "indexes": [("idx_stations_post", ["post"])],
    },
    "unknown_stations": {
        "columns": {"station": str, "cables": int, "why": str},
        "pk": "station",
        "foreign_keys": [],
        "indexes": [],
    },
    "ingest_errors": {
        "columns": {
            # sha256 over the error's identity, so re-ingesting adds no duplicates
            "id": str,
            "source": str,
            "line": int,
            "column": int,
            "message": str,
            "raw": str,  # the input as given (for parse problems: the offending line)
            "format": str,
            "cable_id": str,  # null when the input never became a cable
            "part": str,  # input | header | body | a field: tags, refs, subject, signature ...
            "severity": str,  # error: did not fit the grammar | warning: the parser guessed or skipped
            "first_seen": str,
        },
        "pk": "id",
        "foreign_keys": CABLE_FK,
        "indexes": [
            ("idx_ingest_errors_cable_id", ["cable_id"]),
            # an input that failed before and now became a cable: its old error row is found
            # by (source, line) for each cable merged (by source alone: a scan of all its errors)
            ("idx_ingest_errors_source_line", ["source", "line"]),
            ("idx_ingest_errors_severity_part", ["severity", "part"]),
        ],
    },
    # Bookkeeping: what the archive looked like when its derived tables (tag counts
    # and descriptions, posts, version_diffs) were last built, so an ingest that
    # changed nothing skips rebuilding them (30 s on the full release).
    "ingest_state": {
        "columns": {"name": str, "value": str, "updated": str},
        "pk": "name",
        "foreign_keys": [],
        "indexes": [],
    },
}

# Child tables whose rows belong to one cable (deleted when a cable is replaced).
CHILD_TABLES = ["cable_tags", "recipients", "offices", "refs", "sections", "paragraphs", "ingest_errors"]

# Full-text search: table -> columns. FTS5 via sqlite-utils `enable_fts`.
FTS: dict[str, list[str]] = {
    "paragraphs": ["text"],
    "cables": ["subject"],
}

# Views: name -> SELECT. Created (or replaced when changed) by `ensure_schema`.
VIEWS: dict[str, str] = {
    # Every archived text of every cable, as text: the current one (from cables) and the
    # earlier ones (cable_versions). The text is stored zlib-compressed; `cable_text()`
    # (registered by cableparse and its Datasette plugin, archive/rawtext.py) reads it.
    "cable_texts": (
        "select v.cable_id, v.content_hash, v.current, v.released, v.source, "
        "cable_text(coalesce(v.header, c.header)) as header, "
        "cable_text(coalesce(v.body, c.body)) as body "
        "from cable_versions v left join cables c "
        "on v.current = 1 and c.id = v.cable_id and c.content_hash = v.content_hash"
    ),
    # Cables with more than one version, for facets: how many versions, how many
    # redactions were added or lifted (null until record_diffs has run for them).
    # Counted from the superseded rows (each cable has one current version):
    # a facet takes 40-60 ms on 251k cables (5% with two versions), 140 ms grouping all rows.
    "cable_version_stats": (
        "select v.cable_id, v.versions, d.redactions_added, d.redactions_lifted, "
        "d.paragraphs_changed "
        "from (select cable_id, count(*) + 1 as versions from cable_versions "
        "where current = 0 group by cable_id) as v "
        "left join (select cable_id, sum(redactions_added) as redactions_added, "
        "sum(redactions_lifted) as redactions_lifted, "
        "sum(paragraphs_added + paragraphs_removed + paragraphs_changed) as paragraphs_changed "
        "from version_diffs group by cable_id) as d on d.cable_id = v.cable_id"
    ),
    # The citation graph, both directions by index: `where cable_id = ?` is what
    # a cable cites, `where cited_id = ?` (idx_refs_target_id) is what cites it.
    # Only references that name a cable; the others stay in refs with their text.
    "citations": (
        "select r.cable_id, r.position, r.label, r.raw, r.target_id as cited_id, "
        "c.id is not null as cited_in_archive "
        "from refs r left join cables c on c.id = r.target_id "
        "where r.target_id is not null"
    ),
    # One row per origin with its place, for the map (datasette-cluster-map finds
    # latitude/longitude). Counted from idx_cables_origin_paragraphs alone, so no
    # cable row is read. `popup` is the plugin's marker popup; its link is
    # relative to the view's page, so it works whatever the database is called.
    "cable_origins": (
        "select o.origin, p.kind, p.city, p.country, o.cables, o.paragraphs, "
        "p.latitude, p.longitude, "
        "json_object('title', o.origin, "
        "'description', o.cables || case o.cables when 1 then ' cable' else ' cables' end "
        "|| coalesce(' from ' || p.city || ', ' || p.country, ''), "
        "'link', 'cables?origin=' || replace(replace(replace(replace(replace(o.origin, "
        "'%', '%25'), '&', '%26'), '+', '%2B'), '#', '%23'), ' ', '+')) as popup "
        "from (select origin, count(*) as cables, sum(paragraph_count) as paragraphs "
        "from cables where origin is not null group by origin) as o "
        "left join posts p on p.name = o.origin"
    ),
}


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns and indexes; turn on WAL. Idempotent.

    WAL lets Datasette keep reading while an ingest writes. FTS is *not* made
    here: see `ensure_fts`.
    """
    register(db.conn)  # cable_text(), which the cable_texts view and the ingest use
    db.enable_wal()
    with db.atomic():
        for name, spec in TABLES.items():
            table = db[name]
            if not table.exists():
                table.create(spec["columns"], pk=spec["pk"], foreign_keys=spec["foreign_keys"])
            else:
                have = set(table.columns_dict)
                for column, type_ in spec["columns"].items():
                    if column not in have:
                        table.add_column(column, type_)
            for index_name, columns in spec["indexes"]:
                table.create_index(columns, index_name=index_name, if_not_exists=True)
        for name, sql in VIEWS.items():
            db.create_view(name, sql, replace=True)  # a no-op when unchanged
