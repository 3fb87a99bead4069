from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.shop_list, name="list"),
    path("new/", views.shop_create, name="create"),
    path("<int:pk>/", views.shop_edit, name="edit"),
    path("<int:pk>/verify/", views.shop_verify_start, name="verify"),
    path("<int:pk>/chat-login/", views.shop_chat_login, name="chat_login"),
    path("<int:pk>/chat-login/confirm/", views.shop_chat_login_confirm, name="chat_login_confirm"),
    path("<int:pk>/chat-login/poll/", views.shop_chat_login_poll, name="chat_login_poll"),
    path(
        "<int:pk>/chat-login/forget-password/", views.shop_chat_password_forget, name="chat_password_forget"
    ),
    path("add-from-shopee/", views.shop_add_start, name="add_from_shopee"),
    path("verify/callback/", views.shop_verify_callback, name="verify_callback"),
]
