"""The app's screens, one `.py` with its `.kv` beside it, created when first shown.

`SCREENS` maps a screen's name to "module:Class"; FollicleApp.go(name) imports it on first use,
which keeps the cold start down to the home screen's own code.
"""

from __future__ import annotations

SCREENS = {
    "enrol": "mobile.screens.enrol:EnrolScreen",
    "home": "mobile.screens.home:HomeScreen",
    "checkin": "mobile.screens.checkin:CheckInScreen",
    "uploads": "mobile.screens.uploads:UploadsScreen",
    "timeline": "mobile.screens.timeline:TimelineScreen",
    "side_effects": "mobile.screens.side_effects:SideEffectsScreen",
    "questionnaire": "mobile.screens.questionnaire:QuestionnaireScreen",
    "settings": "mobile.screens.settings:SettingsScreen",
    "marketing": "mobile.screens.marketing:MarketingScreen",
    "safety": "mobile.screens.safety:SafetyCheckInScreen",
}
