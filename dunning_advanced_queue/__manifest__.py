# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Advanced Dunning on the Job Queue",
    "summary": "The scheduled dunning run's batches become queue_job jobs, "
    "shared by several Odoo workers",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/dunning-advanced/dunning_advanced",
    "author": "dunning_advanced developers",
    "license": "AGPL-3",
    "depends": ["dunning_advanced", "queue_job"],
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/ir_config_parameter_data.xml",
        "views/dunning_run_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "installable": True,
}
