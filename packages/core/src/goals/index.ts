export {
  GOAL_STATUS_ON_WIRE,
  GOALS_DB_FILE_NAME,
  GoalStore,
  type StoredGoalStatus,
  type ThreadGoalRow,
} from "./store.js";
