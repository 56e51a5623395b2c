"""Fixed vocabularies: event names, pages, channels, devices, AI models, texts.

Kept apart from the generation logic so the names the warehouse will see are in one
place (funnel and segment definitions refer to them).
"""

from __future__ import annotations

import numpy as np

EVENT_NAMES = (
    "page_view",
    "login",
    "signup",
    "activate",
    "search",
    "view_item",
    "add_to_cart",
    "remove_from_cart",
    "purchase",
    "ai_generate",
    "share",
    "comment",
)
CODE = {name: i for i, name in enumerate(EVENT_NAMES)}

EVENT_PATHS = (
    "/",
    "/login",
    "/signup",
    "/onboarding",
    "/search",
    "/products",
    "/cart",
    "/cart",
    "/checkout/complete",
    "/studio",
    "/studio/share",
    "/studio/comments",
)
PAGE_TYPES = ("home", "pricing", "blog", "product_list", "docs", "about")
PAGE_TYPE_PATHS = ("/", "/pricing", "/blog", "/products", "/docs", "/about")
PAGE_TYPE_P = np.array([0.3, 0.12, 0.15, 0.28, 0.08, 0.07])

SIGNUP_METHODS = ("email", "google", "apple")
ACTIVATION_FEATURES = ("first_project", "invited_teammate", "connected_store", "created_collection")
SEARCH_WORDS = ("new", "sale", "best", "gift", "cheap", "premium", "classic", "eco")

# channel -> (utm_source, utm_medium, utm_campaign, referrer)
CHANNEL_TOUCH = {
    "direct": (None, None, None, None),
    "google": (None, None, None, "https://www.google.com/"),
    "google_ads": ("google", "cpc", "brand_search", "https://www.google.com/"),
    "facebook": ("facebook", "paid_social", "summer_launch", "https://www.facebook.com/"),
    "instagram": ("instagram", "paid_social", "reels_q3", "https://l.instagram.com/"),
    "tiktok": ("tiktok", "paid_social", "creator_collab", "https://www.tiktok.com/"),
    "newsletter": ("newsletter", "email", "weekly_digest", None),
    "partner": ("partner_blog", "referral", "affiliate", "https://partner-blog.example.org/"),
}

OS_BY_DEVICE = {
    "desktop": ("Windows", "macOS", "Linux"),
    "mobile": ("iOS", "Android"),
    "tablet": ("iPadOS", "Android"),
}
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge", "Samsung Internet")

TEXT_MODELS = ("local-text-small", "local-text-large", "gpt-4o-mini")
TEXT_MODEL_P = np.array([0.5, 0.3, 0.2])
IMAGE_MODELS = ("local-image", "gpt-image-1")
IMAGE_MODEL_P = np.array([0.8, 0.2])
TEXT_PROMPTS = (
    "Write a product description for our {c} line",
    "Draft a newsletter intro about new {c}",
    "Suggest five taglines for {c}",
    "Summarise customer reviews of our {c}",
    "Write an Instagram caption for a {c} promotion",
)
IMAGE_PROMPTS = (
    "A studio photo of {c} on a marble table, soft light",
    "A flat illustration banner for a {c} sale",
    "Lifestyle shot of people enjoying {c} outdoors",
    "Minimalist poster featuring {c}, pastel colours",
)
RESOURCE_TYPES = ("generation", "collection", "dashboard")
RESOURCE_P = np.array([0.6, 0.25, 0.15])
PERMISSIONS = ("view", "comment", "edit")
PERMISSION_P = np.array([0.6, 0.25, 0.15])
COMMENT_BODIES = (
    "Love this one!",
    "Can we try a warmer palette?",
    "Approved for the campaign.",
    "The copy is a bit long, can we shorten it?",
    "Great, ship it.",
    "Please check the product name spelling.",
    "Could we get a square version?",
    "Nice work on the lighting.",
    "Let's discuss in the weekly sync.",
    "Use this for the newsletter.",
)
