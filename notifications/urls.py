from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("new/", views.compose, name="compose"),
    path("<int:pk>/", views.result, name="result"),
    path("<int:pk>/rows/", views.result_rows, name="result_rows"),
    path("<int:pk>/retry-failed/", views.retry_failed, name="retry_failed"),
    path("auto/", views.auto_review, name="auto"),
    path("shops/<int:shop_pk>/", views.shop_settings, name="shop_settings"),
]
