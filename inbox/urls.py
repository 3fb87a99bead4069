"""Mounted at /chat/ (the inbox's addresses since the first release: bookmarks keep working)."""

from django.urls import path

from inbox import team, views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("list/more/", views.list_more, name="list_more"),
    path("list/changes/", views.list_changes, name="list_changes"),
    path("alerts/", views.alerts_switch, name="alerts_switch"),
    path("c/<int:pk>/", views.conversation, name="conversation"),
    path("c/<int:pk>/read/", views.conversation_read, name="conversation_read"),
    path("c/<int:pk>/older/", views.conversation_older, name="conversation_older"),
    path("c/<int:pk>/updates/", views.conversation_updates, name="conversation_updates"),
    path("c/<int:pk>/presence/", views.conversation_presence, name="conversation_presence"),
    path("c/<int:pk>/send/", views.reply_send, name="reply_send"),
    path("c/<int:pk>/card/", views.card_send, name="card_send"),
    path("c/<int:pk>/assign/", team.conversation_assign, name="conversation_assign"),
    path("c/<int:pk>/status/", team.conversation_status, name="conversation_status"),
    path("c/<int:pk>/unread/", team.conversation_unread, name="conversation_unread"),
    path("c/<int:pk>/note/", team.note_add, name="note_add"),
    path("c/<int:pk>/tag/", team.conversation_tag, name="conversation_tag"),
    path("tags/", team.tags, name="tags"),
    path("tags.css", team.tags_css, name="tags_css"),
    path("order/<int:pk>/", views.order_conversation, name="order_conversation"),
    path("outgoing/<int:pk>/retry/", views.outgoing_retry, name="outgoing_retry"),
    path("outgoing/<int:pk>/cancel/", views.outgoing_cancel, name="outgoing_cancel"),
]
