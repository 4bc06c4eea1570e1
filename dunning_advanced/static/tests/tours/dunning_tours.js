import { registry } from "@web/core/registry";

const noDialog = {
    content: "The dialog is closed",
    trigger: "body:not(:has(.modal))",
};

// A Dunning User starts the day: Today, a customer on hold, a call that ends
// with a promise to pay, the customer's statement by email.
registry.category("web_tour.tours").add("dunning_today_tour", {
    url: "/odoo/action-dunning_advanced.dunning_worklist_action",
    steps: () => [
        {
            content: "The customer on hold is on Today's list, with its reason",
            trigger: ".o_data_row:contains('Call Due') td[name='partner_id']:contains('Bianchi Costruzioni S.r.l.')",
            run: "click",
        },
        {
            content: "Its worklist card says it is on hold",
            trigger: ".o_form_view .alert-danger:contains('On credit hold')",
        },
        {
            content: "Open the customer",
            trigger: "button[name='action_open_customer']",
            run: "click",
        },
        {
            content: "The customer form says it is on hold",
            trigger: ".o_form_view .alert-danger:contains('On credit hold')",
        },
        {
            content: "Go to its Credit & Risk page",
            trigger: ".o_notebook a:contains('Credit & Risk')",
            run: "click",
        },
        {
            content: "Log a call",
            trigger: "button[name='action_dunning_log_call']",
            run: "click",
        },
        {
            content: "The customer promised to pay",
            trigger: ".modal div[name='outcome'] select",
            run: "select \"promise\"",
        },
        {
            content: "What was said",
            trigger: ".modal div[name='note'] textarea",
            run: "edit The owner pays by bank transfer next week.",
        },
        {
            content: "Log it",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        noDialog,
        {
            content: "Send the statement",
            trigger: "button[name='action_dunning_send_statement']",
            run: "click",
        },
        {
            content: "The statement email is ready",
            trigger: ".modal div[name='subject'] input:value(statement of account)",
        },
        {
            content: "Send it",
            trigger: ".modal-footer button.o_mail_send",
            run: "click",
        },
        noDialog,
        {
            content: "The email is in the chatter",
            trigger: ".o-mail-Message:contains('statement of your account')",
        },
    ],
});

// A salesperson hits the hold and asks for approval.
registry.category("web_tour.tours").add("dunning_request_approval_tour", {
    steps: () => [
        {
            content: "Confirm the order",
            trigger: "button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The hold stops it",
            trigger: ".modal:contains('is on credit hold')",
        },
        {
            content: "Close the message",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        noDialog,
        {
            content: "Ask the credit managers",
            trigger: "button[name='action_credit_request_approval']",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal div[name='note'] textarea",
            run: "edit The customer sent the receipt of a 5,000 EUR transfer.",
        },
        {
            content: "Send the request",
            trigger: ".modal-footer button:contains('Send Request')",
            run: "click",
        },
        noDialog,
        {
            content: "The order says an approval is asked",
            trigger: ".alert-warning:contains('An approval is asked')",
        },
    ],
});

// A credit manager approves the request from the activity.
registry.category("web_tour.tours").add("dunning_approve_request_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the activities",
            trigger: ".o-mail-ActivityMenu-counter",
            run: "click",
        },
        {
            content: "The approval requests",
            trigger: ".o-mail-ActivityGroup:contains('Credit Approval Request')",
            run: "click",
        },
        {
            content: "The request of the salesperson",
            trigger: ".o_data_row:contains('Bianchi Costruzioni S.r.l.') td[name='document_name']",
            run: "click",
        },
        {
            content: "Approve",
            trigger: ".o_form_view button[name='action_approve']",
            run: "click",
        },
        {
            content: "The dialog shows the document, the exposure and the reasons",
            trigger: ".modal:contains('Exposure With It'):contains('Put on hold by a credit manager')",
        },
        {
            content: "Say why",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Bank transfer receipt checked.",
        },
        {
            content: "Approve it",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        noDialog,
        {
            content: "The request is approved",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Approved')",
        },
    ],
});
