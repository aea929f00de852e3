from assistance.views import expert, official, provider, public

app_name = "assistance"

urlpatterns = [*official.urlpatterns, *provider.urlpatterns, *expert.urlpatterns, *public.urlpatterns]
