from django.http import Http404, HttpRequest, HttpResponse


def petition_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    raise Http404


def petition_export(request: HttpRequest) -> HttpResponse:
    raise Http404
