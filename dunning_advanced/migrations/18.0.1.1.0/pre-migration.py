"""Agencies' API endpoint, API token and webhook secret become per company
(company-dependent, a jsonb column of {company id: value}).

The value each agency had is kept for every company, as it applied to all of
them before; credit managers then change or clear their own company's. Done
before the ORM updates the column: a plain cast of a URL or a token to jsonb
fails, and Odoo would move the column aside with its values.
"""

from odoo.tools import SQL

COLUMNS = (
    "collection_endpoint_url",
    "collection_api_token",
    "collection_webhook_secret",
)


def migrate(cr, version):
    for column in COLUMNS:
        cr.execute(
            """
            SELECT data_type FROM information_schema.columns
             WHERE table_name = 'res_partner' AND column_name = %s
            """,
            [column],
        )
        row = cr.fetchone()
        if not row or row[0] == "jsonb":
            continue
        old = "%s_before_company" % column
        cr.execute(
            SQL(
                "ALTER TABLE res_partner RENAME COLUMN %s TO %s",
                SQL.identifier(column),
                SQL.identifier(old),
            )
        )
        cr.execute(
            SQL(
                "ALTER TABLE res_partner ADD COLUMN %s jsonb",
                SQL.identifier(column),
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE res_partner p
               SET %(new)s = (
                   SELECT jsonb_object_agg(c.id::text, to_jsonb(p.%(old)s))
                     FROM res_company c)
             WHERE COALESCE(p.%(old)s, '') != ''
                """,
                new=SQL.identifier(column),
                old=SQL.identifier(old),
            )
        )
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(old)))
