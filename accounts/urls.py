from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.shop_list, name="list"),
    path("new/", views.shop_create, name="create"),
    path("<int:pk>/", views.shop_edit, name="edit"),
    path("<int:pk>/verify/", views.shop_verify_start, name="verify"),
    path("add-from-shopee/", views.shop_add_start, name="add_from_shopee"),
    path("verify/callback/", views.shop_verify_callback, name="verify_callback"),
]
