from django.urls import path

from . import views, views_login

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("me/", views.member_home, name="member_home"),
    path("users/", views.users_list, name="users_list"),
    path("users/invite/", views.user_invite, name="user_invite"),
    path("users/<int:membership_id>/", views.user_detail, name="user_detail"),
    path("settings/security/", views.security_settings, name="security_settings"),
    path("profile/", views.profile, name="profile"),
    path("profile/language/", views.set_language, name="set_language"),
    path("login/code/", views_login.sms_code, name="login_sms_code"),
    # under /login/code/: open to a session that still owes its SMS code (the access gate)
    path("login/code/wait/<str:purpose>/", views_login.code_wait, name="code_wait"),
    path("login/phone/", views_login.phone_login, name="phone_login"),
    path("login/claim/", views_login.claim, name="claim"),
    path("login/claim/code/", views_login.claim_code, name="claim_code"),
    path("password/forgot/", views_login.forgot_password, name="password_forgot"),
    path("password/forgot/code/", views_login.forgot_password_code, name="password_forgot_code"),
    path("password/change-required/", views_login.password_change_required, name="password_change_required"),
    path("invite/<str:token>/", views_login.invitation_accept, name="invitation_accept"),
]
