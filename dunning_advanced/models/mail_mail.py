from odoo import _, fields, models


class MailMail(models.Model):
    """Tell a reminder what became of its email: a failure makes it
    *delivery failed* (and may produce its letter); an email to a PEC address
    that left is logged as the proof of sending."""

    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        reminders = self.filtered(
            lambda mail: mail.model == "dunning.communication" and mail.res_id
        )
        Communication = self.env["dunning.communication"].sudo()
        for mail in reminders:
            communication = Communication.browse(mail.res_id).exists()
            if not communication or communication.mail_id != mail:
                continue
            if failure_type or mail.state == "exception":
                communication._on_email_failed(
                    failure_reason or mail.failure_reason or failure_type
                )
            elif mail.state == "sent" and communication.via_pec:
                communication._message_log(
                    body=_(
                        "PEC accepted by the outgoing server on %(when)s (UTC), "
                        "Message-Id %(message_id)s: the delivery receipt of the "
                        "customer's PEC provider is the legal proof.",
                        when=fields.Datetime.to_string(fields.Datetime.now()),
                        message_id=mail.message_id,
                    )
                )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
