"""The team's actions on a conversation (F14), from the pane's header and side: 我來回覆, assign to a
colleague, release; 已解決 / 稍後處理 / 待處理; 標為未讀; internal notes; tags; and the small page
that keeps the company's tags. Each view checks the conversation is the user's to see (404
otherwise), calls one chat.team service (which holds the rules and audits) and answers the part
of the pane it changed; the live list shows the row's new state within its next poll.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import selectors, team
from chat.models import Tag
from inbox.forms import AssignForm, NoteForm, StatusForm, TagForm, TagPickForm
from web.params import bad_parameter, row_id


def _part(request, conversation, template: str, **extra):
    context = {
        "conversation": conversation,
        "team": selectors.team_side(conversation=conversation, viewer=request.user),
        "status_form": StatusForm(),
        "note_form": NoteForm(),
    }
    return render(request, template, context | extra)


@require_POST
def conversation_assign(request, pk: int):
    """我來回覆 (to=me), a colleague (to=<id>), or 釋出 (to empty)."""
    conversation = selectors.conversation_for(request.user, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("to: me, a staff id, or nothing")
    to = form.cleaned_data["to"]
    assignee = request.user if to == "me" else None
    if to and to != "me":
        assignee = get_user_model().objects.filter(pk=row_id(to) or 0).first()
    refused = ""
    if to and assignee is None:
        refused = _("No such staff member.")
    else:
        try:
            team.conversation_assign(conversation=conversation, assignee=assignee, actor=request.user)
        except team.TeamRefused as exc:
            refused = exc.reason
    return _part(request, conversation, "inbox/_team_bar.html", refused=refused)


@require_POST
def conversation_status(request, pk: int):
    """已解決, 待處理, or 稍後處理 until a time (Taipei)."""
    conversation = selectors.conversation_for(request.user, pk)
    form = StatusForm(request.POST)
    refused = ""
    if form.is_valid():
        try:
            team.conversation_status_set(
                conversation=conversation,
                status=form.cleaned_data["status"],
                snoozed_until=form.cleaned_data["until"],
                actor=request.user,
            )
        except team.TeamRefused as exc:
            refused = exc.reason
    else:
        refused = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _part(request, conversation, "inbox/_team_bar.html", refused=refused, status_form=form)


@require_POST
def conversation_unread(request, pk: int):
    """標為未讀: for this user only, until they open it again."""
    conversation = selectors.conversation_for(request.user, pk)
    team.conversation_unread_mark(conversation=conversation, user=request.user)
    response = _part(request, conversation, "inbox/_team_bar.html", marked=True)
    response["HX-Trigger"] = json.dumps(
        {"chat:unread": {"pk": conversation.pk, "title": _("Marked unread by you")}}
    )
    return response


@require_POST
def note_add(request, pk: int):
    conversation = selectors.conversation_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            team.note_add(conversation=conversation, author=request.user, text=form.cleaned_data["text"])
            form = NoteForm()
        except team.TeamRefused as exc:
            form.add_error("text", exc.reason)
    return _part(request, conversation, "inbox/_team_notes.html", note_form=form)


@require_POST
def conversation_tag(request, pk: int):
    """A tag put on (on=1) or taken off the conversation."""
    conversation = selectors.conversation_for(request.user, pk)
    form = TagPickForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("tag: a tag id")
    tag = get_object_or_404(Tag, pk=form.cleaned_data["tag"])
    team.conversation_tag_set(
        conversation=conversation, tag=tag, on=form.cleaned_data["on"], actor=request.user
    )
    return _part(request, conversation, "inbox/_team_tags.html")


@require_http_methods(["GET", "POST"])
@permission_required("chat.add_tag", raise_exception=True)
def tags(request):
    """The company's tags: add one, change a name or colour (staff allowed to add tags)."""
    editing = None
    if "edit" in request.GET:
        if (pk := row_id(request.GET["edit"])) is None:
            return bad_parameter("edit")
        editing = get_object_or_404(Tag, pk=pk)
    form = TagForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("inbox:tags")
    return render(
        request,
        "inbox/tags.html",
        {"form": form, "editing": editing, "tags": selectors.tags_all()},
    )


@require_GET
def tags_css(request):
    """Each tag's colour as a class (`.tag-<id>`): the pages allow no inline style."""
    rules = "".join(f".tag-{tag.pk}{{--tag:{tag.colour}}}\n" for tag in selectors.tags_all())
    return HttpResponse(rules, content_type="text/css; charset=utf-8")
