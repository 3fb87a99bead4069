from django.urls import path

from outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.index, name="list"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("retry-failed/", views.retry_failed, name="retry_failed"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("cancel-all/", views.cancel_all, name="cancel_all"),
    path("<int:pk>/picture/", views.picture, name="picture"),
]
