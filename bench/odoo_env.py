"""Open an Odoo database from a plain Python script (no server, no shell)."""

import contextlib
import os
import sys

DB_PREFIX = "dunning_bench"
# The repository: its addons beside Odoo's.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_odoo_args(parser, addons_help=None):
    """``parser``'s arguments with the options every bench script shares:
    ``--odoo-src`` (default ``$ODOO_SRC`` or /opt/odoo), ``--addons-path``
    (default Odoo's addons and this repository) and ``--force-db``."""
    parser.add_argument("--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo"))
    parser.add_argument("--addons-path", default=None, help=addons_help)
    parser.add_argument(
        "--force-db",
        action="store_true",
        help="use databases whose names do not start with dunning_bench",
    )
    args = parser.parse_args()
    args.addons_path = args.addons_path or f"{args.odoo_src}/addons,{REPO}"
    return args


def check_db_name(name, force=False):
    """Refuse any database the benchmarks do not own: they drop and rewrite it.

    ``force`` (``--force-db``) takes another name, for a machine where the
    database names are given: that database is dropped and rewritten too.
    """
    if not name.startswith(DB_PREFIX) and not force:
        sys.exit(
            f"Refusing database {name!r}: its name must start with {DB_PREFIX!r} "
            "(or pass --force-db: it is dropped and rewritten)."
        )


def load_odoo(odoo_src, addons_path, db, log_level="warn"):
    """Import Odoo from ``odoo_src`` and configure it for ``db``; return the module."""
    if odoo_src not in sys.path:
        sys.path.insert(0, odoo_src)
    import odoo

    odoo.tools.config.parse_config(
        [
            f"--addons-path={addons_path}",
            f"--database={db}",
            f"--log-level={log_level}",
        ],
        setup_logging=True,
    )
    return odoo


@contextlib.contextmanager
def environment(odoo, db, commit=False, context=None):
    """A superuser environment on a new cursor; rolled back unless ``commit``."""
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ctx = dict(env["res.users"].context_get(), **(context or {}))
        try:
            yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, ctx)
        except BaseException:
            cr.rollback()
            raise
        if commit:
            cr.commit()
        else:
            cr.rollback()
