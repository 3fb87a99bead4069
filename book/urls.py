"""The order book's pages keep the paths they had under /orders/, so bookmarks keep working."""

from django.urls import path
from django.views.generic import RedirectView

from book import views

app_name = "book"
urlpatterns = [
    # The actions on the order table's selection (F7), their results and shipping documents.
    path("actions/", views.book_action, name="action"),
    path("actions/<int:pk>/", views.book_result, name="result"),
    path("actions/<int:pk>/document/", views.book_document, name="document"),
    path("shops/<int:shop_pk>/auto-import/", views.book_auto_import, name="auto_import"),
    path("products/", views.product_list, name="products"),
    # The order book's own page before it joined the order table.
    path("book/", RedirectView.as_view(pattern_name="orders:list", permanent=True)),
]
