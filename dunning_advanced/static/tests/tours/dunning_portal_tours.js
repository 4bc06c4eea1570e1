/** @odoo-module **/
/*
 * The customer's page, as the customer clicks through it (no login): the data
 * comes from dunning_advanced/tests/test_portal_tour.py, which opens the
 * link of a reminder and checks the outcome in the database afterwards.
 */

import { registry } from "@web/core/registry";

/** An ISO date ``days`` from today, as a date input takes it. */
function inDays(days) {
    const day = new Date();
    day.setDate(day.getDate() + days);
    const pad = (value) => String(value).padStart(2, "0");
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** Set a date input (typed characters would make it invalid on the way). */
function setDate(selector, days) {
    return {
        content: `Set ${selector} to today + ${days} days`,
        trigger: selector,
        run() {
            const input = document.querySelector(selector);
            input.value = inDays(days);
            input.dispatchEvent(new Event("input", { bubbles: true }));
            input.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

registry.category("web_tour.tours").add("dunning_portal_pay", {
    steps: () => [
        {
            content: "The overdue invoice is chosen, the one not yet due is not",
            trigger: "#dunning_items tr[data-status=overdue] input[name=items]:checked",
        },
        {
            trigger: "#dunning_items tr[data-status=due] input[name=items]:not(:checked)",
        },
        {
            content: "Pay the chosen invoice online",
            trigger: "#dunning_pay_button",
            run: "click",
        },
        {
            content: "The Demo provider's card form",
            trigger: "#o_payment_form input[name=o_payment_radio]",
            run: "click",
        },
        {
            trigger: "#customer_input",
            run: "edit 4242 4242 4242 4242",
        },
        {
            content: "Pay",
            trigger: "button[name=o_payment_submit_button]:enabled",
            run: "click",
        },
        {
            content: "Back on the page: the payment is received",
            trigger: "#dunning_transaction.alert-success",
        },
        {
            content: "Only the invoice not yet due is left",
            trigger: "#dunning_items:not(:has(tr[data-status=overdue]))",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_portal_promise", {
    steps: () => [
        {
            content: "I will pay on a date",
            trigger: "#dunning_promise_toggle",
            run: "click",
        },
        {
            content: "Only the first invoice, in 10 days, in full",
            trigger: "#dunning_promise_form .form-check:eq(1) input:checked",
            run: "click",
        },
        setDate("#dunning_promise_date", 10),
        {
            trigger: "#dunning_promise_amount",
            run: "edit 1000",
        },
        {
            trigger: "#dunning_promise_submit",
            run: "click",
        },
        {
            content: "Accepted at once (class A, within 30 days)",
            trigger: "#dunning_requests tr[data-kind=promise][data-state=accepted]",
        },
        {
            trigger: "#dunning_items tr[data-status=promised]",
        },
        {
            content: "Now the other invoice, in 45 days: beyond the limits",
            trigger: "#dunning_promise_toggle",
            run: "click",
        },
        setDate("#dunning_promise_date", 45),
        {
            trigger: "#dunning_promise_amount",
            run: "edit 500",
        },
        {
            trigger: "#dunning_promise_submit",
            run: "click",
        },
        {
            content: "It waits for our answer",
            trigger: "#dunning_requests tr[data-kind=promise][data-state=pending]",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_portal_dispute", {
    steps: () => [
        {
            content: "Something is wrong with an invoice",
            trigger: "#dunning_dispute_toggle",
            run: "click",
        },
        {
            trigger: "#dunning_dispute_item",
            run: "selectByIndex 1",
        },
        {
            trigger: "#dunning_dispute_reason",
            run: "select defective",
        },
        {
            trigger: "#dunning_dispute_message",
            run: "edit Two pallets arrived broken.",
        },
        {
            trigger: "#dunning_dispute_submit",
            run: "click",
        },
        {
            content: "The invoice is disputed and the request is listed",
            trigger: "#dunning_items tr[data-status=disputed]",
        },
        {
            trigger: "#dunning_requests tr[data-kind=dispute]",
        },
    ],
});

registry.category("web_tour.tours").add("dunning_portal_plan", {
    steps: () => [
        {
            content: "I would like to pay in instalments",
            trigger: "#dunning_plan_toggle",
            run: "click",
        },
        {
            trigger: "#dunning_plan_count",
            run: "edit 3",
        },
        setDate("#dunning_plan_first", 15),
        {
            trigger: "#dunning_plan_submit",
            run: "click",
        },
        {
            content: "Accepted at once: the plan and its instalments are shown",
            trigger: "#dunning_requests tr[data-kind=plan][data-state=accepted]",
        },
        {
            trigger: "#dunning_plans tr:contains(3)",
        },
    ],
});
