"""Staff pages of the recovery app."""

from django.http import Http404
from django.shortcuts import render
from django.views import View

from feedback_app.staff.access import StaffRequiredMixin
from recovery import selectors
from recovery.models import Ticket


class TicketDetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        try:
            ticket = selectors.ticket_detail(pk=pk)
        except Ticket.DoesNotExist:
            raise Http404 from None
        return render(request, "recovery/staff/ticket.html", {"ticket": ticket})
