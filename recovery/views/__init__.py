"""Staff pages of the recovery app, one module per area: the queue, the ticket (its page and one
URL per step), improvements and the public "we did" page, the settings managers keep."""
