"""Users of every role, made as Odoo makes them: each internal user gets
"Contact Creation" (base.group_partner_manager) from the default user
template, so salespeople can write customers and agencies unless the addon
stops them."""

from contextlib import contextmanager

from odoo import Command
from odoo.tests import new_test_user

from .common import CREDIT_MANAGER, DUNNING_USER

CONTACTS = "base.group_partner_manager"
ROLE_GROUPS = {
    "salesperson": f"sales_team.group_sale_salesman,{CONTACTS}",
    "invoicing": f"account.group_account_invoice,sales_team.group_sale_salesman,"
    f"{CONTACTS}",
    "dunning_user": f"{DUNNING_USER},sales_team.group_sale_salesman,{CONTACTS}",
    # Sales rights "Own Documents Only": a credit manager is no sales manager.
    "credit_manager": f"{CREDIT_MANAGER},sales_team.group_sale_salesman,{CONTACTS}",
}


def make_role_users(env, company, other_company, prefix="sec"):
    """{role: user}: public, portal, salesperson, invoicing, dunning_user,
    credit_manager (of ``company``), other_manager (credit manager of
    ``other_company`` only)."""
    companies = [Command.set(company.ids)]
    users = {
        "public": new_test_user(
            env,
            login=f"{prefix}_public",
            groups="base.group_public",
            company_id=company.id,
            company_ids=companies,
        ),
        "portal": new_test_user(
            env,
            login=f"{prefix}_portal",
            groups="base.group_portal",
            company_id=company.id,
            company_ids=companies,
        ),
    }
    for role, groups in ROLE_GROUPS.items():
        users[role] = new_test_user(
            env,
            login=f"{prefix}_{role}",
            groups=groups,
            company_id=company.id,
            company_ids=companies,
        )
    users["other_manager"] = new_test_user(
        env,
        login=f"{prefix}_other_manager",
        groups=ROLE_GROUPS["credit_manager"],
        company_id=other_company.id,
        company_ids=[Command.set(other_company.ids)],
    )
    return users


@contextmanager
def refused(test, exception, regex=None):
    """``exception`` (matching ``regex``) is raised, and what the attempt
    wrote is rolled back, as the request's transaction would be: a test can
    then check that nothing was half written."""
    if regex:
        context = test.assertRaisesRegex(exception, regex)
    else:
        context = test.assertRaises(exception)
    with context, test.env.cr.savepoint():
        yield
