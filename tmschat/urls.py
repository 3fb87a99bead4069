from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from tmschat import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Anyone may switch language, also on the sign-in page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("status/", views.status, name="status"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("shops/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    path("orders/", include("book.urls")),
    path("chat/", include("inbox.urls")),
    path("notices/batches/", include("notifications.urls")),
    path("notices/", include("outbox.urls")),
    path("shopee/", include("chat.urls")),
    path("admin/", admin.site.urls),
]
