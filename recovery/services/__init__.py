"""Recovery's writes, one module per kind, lowest first: `log` (the ticket log), `sla`,
`workflow` (the transition table and the steps), `restitution`, `tickets`, `follow_up`,
`retention`, `improvements`. Each imports only those before it; none imports a view."""
