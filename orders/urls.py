from django.urls import path

from orders import views

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
]
