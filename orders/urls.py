from django.urls import path
from django.views.generic import RedirectView

from orders import book_views, views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("download/", views.download_start, name="download_start"),
    path("download/panel/", views.downloads_panel, name="downloads_panel"),
    path("download/<int:pk>/cancel/", views.download_cancel, name="download_cancel"),
    path("selection/", views.selection_change, name="selection"),
    path("selection/<int:pk>/", views.selection_toggle, name="selection_toggle"),
    path("import-one/", views.import_one, name="import_one"),
    path("export/", views.export, name="export"),
    path("export/panel/", views.exports_panel, name="exports_panel"),
    path("export/<int:pk>/", views.export_file, name="export_file"),
    # The order book's actions on the selection (F7); its products page.
    path("actions/", book_views.book_action, name="book_action"),
    path("actions/<int:pk>/", book_views.book_result, name="book_result"),
    path("actions/<int:pk>/document/", book_views.book_document, name="book_document"),
    path("shops/<int:shop_pk>/auto-import/", book_views.book_auto_import, name="book_auto_import"),
    path("products/", book_views.product_list, name="products"),
    # The order book's own page before it joined the order table.
    path("book/", RedirectView.as_view(pattern_name="orders:list", permanent=True)),
]
