from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="list"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("retry-failed/", views.retry_failed, name="retry_failed"),
]
