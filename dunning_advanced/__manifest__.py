# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Advanced Dunning and Credit Management",
    "summary": "Credit limits and holds, risk scores, escalating reminders, "
    "payment links and legal handoff for Italian and EU companies",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/dunning-advanced/dunning_advanced",
    "author": "dunning_advanced developers",
    "license": "AGPL-3",
    "depends": ["account", "sale", "mail"],
    "external_dependencies": {
        "python": ["xmlschema", "requests", "python-stdnum", "reportlab", "sepaxml"],
    },
    "data": [
        "security/dunning_groups.xml",
        "security/ir.model.access.csv",
        "security/dunning_security.xml",
        "data/ir_cron_data.xml",
        "views/dunning_credit_profile_views.xml",
        "views/dunning_credit_override_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/res_partner_credit_hold_views.xml",
        "wizards/dunning_document_approve_views.xml",
        "views/dunning_menus.xml",
    ],
    "demo": [
        "demo/dunning_demo.xml",
    ],
    "installable": True,
    "application": False,
}
