"""The action plans' pages: every URL pattern of the plans app."""

from django.urls import path

from plans.views import expert, official, public

app_name = "plans"

urlpatterns = [
    # The State's officials (and, read-only, the Committee's experts)
    path("plans/", official.mine, name="mine"),
    path("plans/new/", official.new_version, name="new"),
    path("plans/<int:pk>/", official.edit, name="edit"),
    path("plans/<int:pk>/document/", official.document, name="document"),
    path("plans/<int:pk>/document/upload/", official.attach_document, name="attach_document"),
    path("plans/<int:pk>/submit/", official.submit, name="submit"),
    path("plans/<int:pk>/reopen/", official.reopen, name="reopen"),
    path("plans/<int:pk>/publish/", official.publish, name="publish"),
    path("plans/<int:pk>/items/new/", official.add_item, name="add_item"),
    path("plans/items/new/", official.add_item_from_gaps, name="add_item_from_gaps"),
    path("plans/<int:pk>/items/<int:item_pk>/", official.edit_item, name="edit_item"),
    path("plans/<int:pk>/items/<int:item_pk>/delete/", official.delete_item, name="delete_item"),
    path("plans/<int:pk>/items/<int:item_pk>/request/", official.start_request, name="start_request"),
]

# ---------------------------------------------------------------------------------------------
# Public pages
urlpatterns += [
    path("states/<str:iso3>/plan/", public.public_latest, name="public_latest"),
    path("states/<str:iso3>/plan/v<int:version>/", public.public_version, name="public_version"),
    path("states/<str:iso3>/plan/diff/", public.public_diff, name="public_diff"),
    # The Committee's experts
    path("plans/review/", expert.review_list, name="review_list"),
    path("plans/review/<int:pk>/", expert.review, name="review"),
    path("plans/review/<int:pk>/comment/", expert.review_comment, name="review_comment"),
]
