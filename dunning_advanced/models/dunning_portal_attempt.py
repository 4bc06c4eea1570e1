import logging
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# More failed links than this from one address in the window: that address
# gets no page at all until the window has passed.
MAX_FAILURES = 10
WINDOW_MINUTES = 15
KEEP_DAYS = 30


class DunningPortalAttempt(models.Model):
    """A link to a customer's page that opened nothing: malformed, tampered
    with, or expired. Kept 30 days, for the rate limit (per IP address) and
    for the credit managers to see who is guessing."""

    _name = "dunning.portal.attempt"
    _description = "Failed Customer Page Link"
    _order = "id desc"
    _log_access = True

    ip_address = fields.Char(string="IP Address", readonly=True, index=True)
    reason = fields.Selection(
        [
            ("malformed", "Malformed"),
            ("tampered", "Tampered With"),
            ("expired", "Expired"),
            ("unknown", "Unknown Customer"),
            ("item", "Item of Another Customer"),
            ("limited", "Rate Limited"),
        ],
        required=True,
        readonly=True,
    )
    token_hint = fields.Char(
        string="Link Start", readonly=True, help="The first characters of the link."
    )
    path = fields.Char(readonly=True)

    @api.model
    def _is_limited(self, ip_address):
        """Whether ``ip_address`` failed too often lately."""
        since = fields.Datetime.now() - timedelta(minutes=WINDOW_MINUTES)
        count = self.sudo().search_count(
            [
                ("ip_address", "=", ip_address or ""),
                ("create_date", ">=", since),
                ("reason", "!=", "limited"),
            ],
            limit=MAX_FAILURES + 1,
        )
        return count > MAX_FAILURES

    @api.model
    def _log_failure(self, ip_address, reason, token, path):
        """Record and log a failed link (writes only this record; a request
        refused by the rate limit is logged only, so that hammering the page
        does not fill the table)."""
        hint = (token or "")[:8]
        _logger.warning(
            "Customer page: %s link from %s (starting %r, %s)",
            reason,
            ip_address,
            hint,
            path,
        )
        if reason == "limited":
            return self.browse()
        return self.sudo().create(
            {
                "ip_address": ip_address or "",
                "reason": reason,
                "token_hint": hint,
                "path": (path or "")[:200],
            }
        )

    @api.autovacuum
    def _gc_old_attempts(self):
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.sudo().search([("create_date", "<", limit)]).unlink()
