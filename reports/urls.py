from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="report"),
    path("export/", views.report_export, name="export"),
]
