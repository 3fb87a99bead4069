from django.urls import path

from orders import book_views, views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    # The order book (F7): own pages until its actions join the order table's selection.
    path("book/", book_views.book_page, name="book"),
    path("book/action/", book_views.book_action, name="book_action"),
    path("book/actions/<int:pk>/", book_views.book_result, name="book_result"),
    path("book/actions/<int:pk>/document/", book_views.book_document, name="book_document"),
    path("book/shops/<int:shop_pk>/auto-import/", book_views.book_auto_import, name="book_auto_import"),
    path("book/products/", book_views.product_list, name="products"),
]
