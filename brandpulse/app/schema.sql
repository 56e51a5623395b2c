-- The app's PostgreSQL schema as `prisma db push` creates it (CONTRACTS.md section 5):
-- quoted PascalCase tables, camelCase columns, text ids (cuid), timestamp(3) holding UTC,
-- jsonb for Json, numeric(65,30) for Decimal, enum types with UPPER_CASE values, and the
-- indexes the app has, including the (cursor, id) indexes incremental extraction walks.
-- Idempotent: every statement checks whether its object exists.

DO $$ BEGIN
    CREATE TYPE "TeamRole" AS ENUM ('OWNER', 'MEMBER');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "FunnelOrder" AS ENUM ('ORDERED', 'STRICT', 'UNORDERED');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "WindowUnit" AS ENUM ('SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "CohortGrain" AS ENUM ('DAY', 'WEEK', 'MONTH');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "CohortKind" AS ENUM ('FIRST_TIME', 'RECURRING');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "PredictionMetric" AS ENUM ('REVENUE');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "GenerationType" AS ENUM ('TEXT', 'IMAGE');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "GenerationStatus" AS ENUM
        ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "ShareTargetType" AS ENUM ('USER', 'TEAM', 'PUBLIC');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE TYPE "SharePermission" AS ENUM ('VIEW', 'COMMENT', 'EDIT');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

CREATE TABLE IF NOT EXISTS "Brand" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "plan" TEXT,
    "aiMonthlyBudgetUsd" DECIMAL(65,30),
    "aiDailyGenerationQuota" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Brand_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "Brand_slug_key" ON "Brand"("slug");
CREATE INDEX IF NOT EXISTS "Brand_updatedAt_id_idx" ON "Brand"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "Team" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "Team_brandId_idx" ON "Team"("brandId");

CREATE TABLE IF NOT EXISTS "TeamMember" (
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" "TeamRole" NOT NULL DEFAULT 'MEMBER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "TeamMember_pkey" PRIMARY KEY ("teamId", "userId")
);
CREATE INDEX IF NOT EXISTS "TeamMember_userId_idx" ON "TeamMember"("userId");

CREATE TABLE IF NOT EXISTS "AnalyticsEvent" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "eventName" TEXT NOT NULL,
    "userId" TEXT,
    "anonymousId" TEXT,
    "sessionId" TEXT,
    "properties" JSONB,
    "context" JSONB,
    "revenue" DECIMAL(65,30),
    "currency" TEXT,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AnalyticsEvent_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "AnalyticsEvent_createdAt_id_idx" ON "AnalyticsEvent"("createdAt", "id");
CREATE INDEX IF NOT EXISTS "AnalyticsEvent_brandId_occurredAt_idx"
    ON "AnalyticsEvent"("brandId", "occurredAt");

CREATE TABLE IF NOT EXISTS "AnalyticsFunnel" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "order" "FunnelOrder" NOT NULL DEFAULT 'ORDERED',
    "conversionWindowValue" INTEGER NOT NULL DEFAULT 14,
    "conversionWindowUnit" "WindowUnit" NOT NULL DEFAULT 'DAY',
    "exclusions" JSONB,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "AnalyticsFunnel_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "AnalyticsFunnel_brandId_idx" ON "AnalyticsFunnel"("brandId");
CREATE INDEX IF NOT EXISTS "AnalyticsFunnel_updatedAt_id_idx" ON "AnalyticsFunnel"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "AnalyticsCohort" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "startEvent" TEXT,
    "returnEvent" TEXT,
    "grain" "CohortGrain" NOT NULL DEFAULT 'WEEK',
    "kind" "CohortKind" NOT NULL DEFAULT 'FIRST_TIME',
    "periods" INTEGER NOT NULL DEFAULT 8,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "AnalyticsCohort_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "AnalyticsCohort_brandId_idx" ON "AnalyticsCohort"("brandId");
CREATE INDEX IF NOT EXISTS "AnalyticsCohort_updatedAt_id_idx" ON "AnalyticsCohort"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "AnalyticsSegment" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "rules" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "AnalyticsSegment_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "AnalyticsSegment_brandId_idx" ON "AnalyticsSegment"("brandId");
CREATE INDEX IF NOT EXISTS "AnalyticsSegment_updatedAt_id_idx" ON "AnalyticsSegment"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "AnalyticsPrediction" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "metric" "PredictionMetric" NOT NULL,
    "day" DATE NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "lower" DOUBLE PRECISION,
    "upper" DOUBLE PRECISION,
    "model" TEXT NOT NULL,
    "trainedThrough" DATE NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AnalyticsPrediction_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "AnalyticsPrediction_brandId_metric_day_idx"
    ON "AnalyticsPrediction"("brandId", "metric", "day");

CREATE TABLE IF NOT EXISTS "AIGeneration" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "userId" TEXT,
    "type" "GenerationType" NOT NULL,
    "model" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "optimizedPrompt" TEXT,
    "optimizePrompt" BOOLEAN NOT NULL DEFAULT false,
    "parameters" JSONB,
    "parentGenerationId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "status" "GenerationStatus" NOT NULL DEFAULT 'PENDING',
    "statusReason" TEXT,
    "output" TEXT,
    "inputTokens" INTEGER,
    "outputTokens" INTEGER,
    "costUsd" DECIMAL(65,30),
    "latencyMs" INTEGER,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    CONSTRAINT "AIGeneration_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "AIGeneration_idempotencyKey_key" ON "AIGeneration"("idempotencyKey");
CREATE INDEX IF NOT EXISTS "AIGeneration_brandId_status_idx" ON "AIGeneration"("brandId", "status");
CREATE INDEX IF NOT EXISTS "AIGeneration_updatedAt_id_idx" ON "AIGeneration"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "AIVersion" (
    "id" TEXT NOT NULL,
    "generationId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "prompt" TEXT NOT NULL,
    "output" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AIVersion_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "AIVersion_generationId_version_key"
    ON "AIVersion"("generationId", "version");

CREATE TABLE IF NOT EXISTS "AICollection" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "AICollection_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "AICollection_brandId_idx" ON "AICollection"("brandId");
CREATE INDEX IF NOT EXISTS "AICollection_updatedAt_id_idx" ON "AICollection"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "AICollectionGeneration" (
    "collectionId" TEXT NOT NULL,
    "generationId" TEXT NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AICollectionGeneration_pkey" PRIMARY KEY ("collectionId", "generationId")
);
CREATE INDEX IF NOT EXISTS "AICollectionGeneration_generationId_idx"
    ON "AICollectionGeneration"("generationId");

CREATE TABLE IF NOT EXISTS "SharedResource" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "sharedById" TEXT,
    "sharedWithType" "ShareTargetType" NOT NULL,
    "sharedWithId" TEXT,
    "permission" "SharePermission" NOT NULL DEFAULT 'VIEW',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "SharedResource_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "SharedResource_brandId_resourceType_resourceId_idx"
    ON "SharedResource"("brandId", "resourceType", "resourceId");
CREATE INDEX IF NOT EXISTS "SharedResource_updatedAt_id_idx" ON "SharedResource"("updatedAt", "id");

CREATE TABLE IF NOT EXISTS "Comment" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "authorId" TEXT,
    "parentId" TEXT,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "editedAt" TIMESTAMP(3),
    "deletedAt" TIMESTAMP(3),
    CONSTRAINT "Comment_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "Comment_brandId_resourceType_resourceId_idx"
    ON "Comment"("brandId", "resourceType", "resourceId");
CREATE INDEX IF NOT EXISTS "Comment_updatedAt_id_idx" ON "Comment"("updatedAt", "id");

-- Foreign keys as Prisma declares them (ON DELETE RESTRICT ON UPDATE CASCADE; a join row
-- goes with its collection or generation).
DO $$ BEGIN
    ALTER TABLE "Team" ADD CONSTRAINT "Team_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "TeamMember" ADD CONSTRAINT "TeamMember_teamId_fkey" FOREIGN KEY ("teamId")
        REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AnalyticsEvent" ADD CONSTRAINT "AnalyticsEvent_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AnalyticsFunnel" ADD CONSTRAINT "AnalyticsFunnel_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AnalyticsCohort" ADD CONSTRAINT "AnalyticsCohort_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AnalyticsSegment" ADD CONSTRAINT "AnalyticsSegment_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AnalyticsPrediction" ADD CONSTRAINT "AnalyticsPrediction_brandId_fkey"
        FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AIGeneration" ADD CONSTRAINT "AIGeneration_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AIVersion" ADD CONSTRAINT "AIVersion_generationId_fkey" FOREIGN KEY ("generationId")
        REFERENCES "AIGeneration"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AICollection" ADD CONSTRAINT "AICollection_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "AICollectionGeneration" ADD CONSTRAINT "AICollectionGeneration_collectionId_fkey"
        FOREIGN KEY ("collectionId") REFERENCES "AICollection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
    ALTER TABLE "AICollectionGeneration" ADD CONSTRAINT "AICollectionGeneration_generationId_fkey"
        FOREIGN KEY ("generationId") REFERENCES "AIGeneration"("id") ON DELETE CASCADE ON UPDATE CASCADE;
    ALTER TABLE "SharedResource" ADD CONSTRAINT "SharedResource_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
    ALTER TABLE "Comment" ADD CONSTRAINT "Comment_brandId_fkey" FOREIGN KEY ("brandId")
        REFERENCES "Brand"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
