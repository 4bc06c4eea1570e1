# Run by `make demo` through `odoo-bin shell`: each scheduled action of the
# addon once, to the end, so the demo shows scores, holds and dunning levels.
# (Outside a cron worker the actions do all their batches in one call.)
CRONS = [
    "dunning_advanced.ir_cron_compute_risk_scores",
    "dunning_advanced.ir_cron_run_dunning",
    "dunning_advanced.ir_cron_kpi_snapshot",
]
for xmlid in CRONS:
    cron = env.ref(xmlid)
    print(f"Running scheduled action: {cron.name}")
    cron.ir_actions_server_id.with_user(cron.user_id).run()
# The demo has no mail server: its reminder emails count as delivered, so that
# the mail queue does not turn every one of them into a delivery failure.
demo_mails = env["mail.mail"].search(
    [("model", "=", "dunning.communication"), ("state", "=", "outgoing")]
)
demo_mails.write({"state": "sent"})
print(f"{len(demo_mails)} reminder emails marked as delivered (no mail server).")
# Customers pay from their page with Odoo's Demo provider (payment_demo is in
# the Makefile's MODULES): the demo company gets its own, in test mode.
demo_provider = env.ref("payment.payment_provider_demo", raise_if_not_found=False)
demo_company = env.ref("base.user_admin").company_id
if demo_provider and demo_provider.code == "demo":
    Provider = env["payment.provider"]
    if not Provider.search(
        [("code", "=", "demo"), ("company_id", "=", demo_company.id)], limit=1
    ):
        demo_provider.copy(
            {"company_id": demo_company.id, "state": "test", "is_published": True}
        )
        print(f"Demo payment provider enabled for {demo_company.name}.")
env.cr.commit()
print("Scheduled actions done.")
