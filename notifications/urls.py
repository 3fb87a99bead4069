from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("new/", views.compose, name="compose"),
    path("<int:pk>/", views.result, name="result"),
    path("<int:pk>/rows/", views.result_rows, name="result_rows"),
    path("<int:pk>/retry-failed/", views.retry_failed, name="retry_failed"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("auto/", views.auto_review, name="auto"),
    path("shops/<int:shop_pk>/", views.shop_settings, name="shop_settings"),
]
