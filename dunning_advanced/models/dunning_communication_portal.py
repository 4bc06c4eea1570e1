from markupsafe import Markup

from odoo import _, api, fields, models

from .dunning_communication_line import SENT_STATES


class DunningCommunicationPortal(models.Model):
    """The customer's side of a reminder: its personal link (email button,
    letter QR code and short address), what the customer did on the page
    (recorded as dunning.portal.event), and the customer's replies to the
    email, which land here and on the customer."""

    _inherit = "dunning.communication"

    portal_url = fields.Char(
        string="Customer Page",
        compute="_compute_portal_url",
        groups="dunning_advanced.group_dunning_user",
        help="The personal link of this reminder: the customer's page, without "
        "login, until the link expires.",
    )
    portal_event_ids = fields.One2many(
        "dunning.portal.event", "communication_id", string="Customer Page Activity"
    )
    portal_opened = fields.Boolean(
        string="Page Opened",
        compute="_compute_portal_figures",
        store=True,
        help="The customer opened its page from this reminder.",
    )
    portal_paid = fields.Boolean(
        string="Paid Through the Page",
        compute="_compute_portal_figures",
        store=True,
    )
    portal_paid_amount = fields.Monetary(
        string="Paid Online",
        compute="_compute_portal_figures",
        store=True,
    )

    def _compute_portal_url(self):
        for communication in self:
            communication.portal_url = communication._portal_url()

    @api.depends("portal_event_ids.event", "portal_event_ids.amount")
    def _compute_portal_figures(self):
        for communication in self:
            events = communication.portal_event_ids
            paid = events.filtered(lambda e: e.event == "paid")
            communication.portal_opened = bool(
                events.filtered(lambda e: e.event == "opened")
            )
            communication.portal_paid = bool(paid)
            communication.portal_paid_amount = sum(
                event.currency_id._convert(
                    event.amount,
                    communication.currency_id,
                    communication.company_id,
                    event.date.date(),
                )
                for event in paid
                if event.currency_id
            )

    def _portal_url(self):
        """The personal link of this reminder's customer, valid the company's
        days from the reminder's date; empty for a simulation or when the
        company gives no links."""
        self.ensure_one()
        company = self.company_id
        if not self.id or self.is_simulation or not company.dunning_portal_enabled:
            return ""
        Portal = self.env["dunning.portal"]
        token = Portal._token(
            self.partner_id.commercial_partner_id,
            company,
            Portal._expiry(company, self.date),
            self,
        )
        return Portal._url(token, company)

    def _portal_caption(self):
        return _(
            "Pay online, tell us you have paid, promise a date, ask for "
            "instalments or dispute an invoice: scan the code or type the address."
        )

    def action_open_portal(self):
        """Open the customer's page as the customer sees it."""
        self.ensure_one()
        self._check_dunning_user()
        url = self.sudo()._portal_url()
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    # ------------------------------------------------------------------
    # Customers' replies to the reminder's email
    # ------------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        """A customer's reply to the reminder's email is routed here by the mail
        gateway (its In-Reply-To is the reminder email's Message-Id): it is
        copied to the customer's chatter, where collectors look first."""
        res = super()._message_post_after_hook(message, msg_vals)
        if msg_vals.get("message_type", message.message_type) == "email":
            for communication in self.filtered(lambda c: c.state in SENT_STATES):
                communication._mirror_reply(message)
        return res

    def _mirror_reply(self, message):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id.sudo()
        link = Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.name,
        )
        header = Markup("<p>%s</p>") % _(
            "Reply to reminder %(link)s from %(author)s:",
            link=link,
            author=message.author_id.display_name or message.email_from or "",
        )
        partner.message_post(
            body=header + (message.body or ""),
            author_id=message.author_id.id,
            email_from=message.email_from,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachment_ids=message.attachment_ids.ids,
        )
