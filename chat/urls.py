"""Mounted at /shopee/: the URL Shopee's Console is given as the push callback."""

from django.urls import path

from chat import views

urlpatterns = [
    path("push/", views.shopee_push, name="shopee_push"),
]
